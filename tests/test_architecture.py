"""The house rules as tests: the import contracts of pyproject.toml, and module size.

The contracts are import-linter's (``lint-imports`` runs the same ones in CI); the custom types
(no cycles, no printing, no sessions outside the store) live in lint/importcontracts.py and are
tested here on small packages made for the purpose, so that a contract that can no longer fail
is noticed.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

from lint.importcontracts import find_cycles, find_uses
from lint.surface import surface_breaches

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 300
CONTRACTS = [c["id"] for c in tomllib.loads((ROOT / "pyproject.toml").read_text(
    encoding="utf-8"))["tool"]["importlinter"]["contracts"]]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_import_contract_is_kept(contract: str, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)  # where pyproject.toml and lint/ are found
    # lint_imports configures logging with dictConfig, which disables every logger that
    # exists: the tests after this one (run in this process) must still hear monitor's logs.
    import logging

    loggers = [lg for lg in logging.root.manager.loggerDict.values()
               if isinstance(lg, logging.Logger) and not lg.disabled]
    try:
        status = lint_imports(limit_to_contracts=(contract,), no_cache=True, no_logo=True)
    finally:
        for lg in loggers:
            lg.disabled = False
    assert status == 0, capsys.readouterr().out


def test_no_module_is_over_300_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "monitor").rglob("*.py")}
    assert len(sizes) > 50  # the walk found the package
    assert {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def _dead_code(*paths: Path) -> list[str]:
    import vulture  # type: ignore[import-untyped]

    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = vulture.Vulture()
    found.scavenge([str(p) for p in paths])
    return [f"{item.filename}:{item.first_lineno}: {item.message}"
            for item in found.get_unused_code(
                min_confidence=settings["tool"]["vulture"]["min_confidence"])]


def test_vulture_finds_no_dead_code(tmp_path: Path) -> None:
    (tmp_path / "dead.py").write_text("def never_called() -> None:\n    pass\n",
                                      encoding="utf-8")
    assert len(_dead_code(tmp_path)) == 1  # it does find dead code
    assert _dead_code(ROOT / "monitor", ROOT / "lint" / "vulture_whitelist.py") == []


def test_each_module_says_what_it_holds_without_an_owner_tag() -> None:
    # The first docstring line names what a module holds; the room it sits in says whose it
    # is, so an "(owner: ...)" tag only repeats it, or contradicts it once the module moves.
    docs = {str(path.relative_to(ROOT)):
            ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            for path in sorted((ROOT / "monitor").rglob("*.py"))}
    assert [p for p, doc in docs.items()
            if not doc.strip() and not p.endswith("migrations/__init__.py")] == []
    assert {p: doc.splitlines()[0] for p, doc in docs.items()
            if re.search(r"\(owners?:", doc)} == {}


def _package(root: Path, name: str, files: dict[str, str]) -> grimp.ImportGraph:
    for rel, text in files.items():
        path = root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    sys.path.insert(0, str(root))
    try:
        return grimp.build_graph(name, cache_dir=None)
    finally:
        sys.path.remove(str(root))


def test_cycles_count_imports_inside_functions(tmp_path: Path) -> None:
    graph = _package(tmp_path, "archcycle", {
        "__init__.py": "",
        "a.py": "def later():\n    from archcycle import b\n    return b\n",
        "b.py": "import archcycle.a\n",
        "c.py": "import archcycle.a\n",  # imports into the cycle, is not on it
    })
    cycles = find_cycles(graph, ["archcycle"])
    assert cycles == [["archcycle.a -> archcycle.b (l.2)", "archcycle.b -> archcycle.a (l.1)"]]


def test_cycles_count_the_package_init_a_submodule_import_runs(tmp_path: Path) -> None:
    graph = _package(tmp_path, "archinit", {
        "__init__.py": "",
        "sub/__init__.py": "from archinit.sub.x import X\n",
        "sub/x.py": "from archinit.sub.y import Y\nfrom archinit import user\nX = Y\n",
        "sub/y.py": "Y = 1\n",  # a sibling import does not loop through sub/__init__
        "user.py": "from archinit.sub.y import Y\n",  # runs sub/__init__ first: a cycle
    })
    cycles = find_cycles(graph, ["archinit"])
    assert len(cycles) == 1
    assert sorted(link.split(" ")[0] for link in cycles[0]) == [
        "archinit.sub", "archinit.sub.x", "archinit.user"]
    assert ("archinit.user -> archinit.sub (its __init__ runs first: "
            "l.1 imports archinit.sub.y)") in cycles[0]


def test_no_cycles_in_a_tree(tmp_path: Path) -> None:
    graph = _package(tmp_path, "archtree", {
        "__init__.py": "from archtree.top import run\n",
        "top.py": "from archtree.low import base\n\ndef run():\n    from archtree import low\n",
        "low/__init__.py": "", "low/base.py": "",
    })
    assert find_cycles(graph, ["archtree"]) == []


def test_a_package_is_entered_only_through_what_its_all_names(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    graph = _package(tmp_path, "archsurface", {
        "__init__.py": "",
        "room/__init__.py": "from archsurface.room.inner import Thing\n"
                            "__all__ = ['Thing', 'open', 'gone']\n",
        "room/inner.py": "Thing = 1\n",
        "room/open.py": "from archsurface.room import inner\n",  # a sibling: free
        "bare/__init__.py": "",  # no __all__: its surface is not named
        "user.py": "from archsurface.room import Thing\nfrom archsurface.room import open\n"
                   "from archsurface.room.inner import Thing as T\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path))  # module_path finds the sources to read
    assert surface_breaches(graph, ["archsurface"]) == [
        "archsurface.bare: its __init__ names no public surface (__all__)",
        "archsurface.room.__all__ names 'gone': neither a submodule nor defined there",
        "archsurface.user (l.3) imports archsurface.room.inner: private to archsurface.room, "
        "whose __all__ does not name 'inner'",
    ]


PRINTS = ["print", "sys.stdout.write", "sys.stderr.write", "stdout.write", "stderr.write",
          "name:print"]
SESSIONS = [".session", "Session", ".Session", "import:sqlmodel.Session",
            "import:sqlalchemy.orm.Session"]


def test_printing_is_found_however_it_is_spelled() -> None:
    source = textwrap.dedent("""\
        import sys
        from sys import stderr
        print("a")
        sys.stderr.write("b")
        stderr.write("c")
        report(callback=print)
        log.info("fine"); out.write("fine: not a standard stream")
    """)
    assert [line for line, _ in find_uses(source, PRINTS)] == [3, 4, 5, 6]


def test_the_daemon_prints_only_its_startup_line() -> None:
    # The printing contract lets monitor.daemon print: for its startup line, and nothing else.
    source = (ROOT / "monitor" / "daemon.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    printed = [lines[n - 1].strip() for n, _ in find_uses(source, PRINTS)]
    assert len(printed) == 1 and "API listening on" in printed[0], printed


def test_sessions_are_found_however_they_are_opened() -> None:
    source = textwrap.dedent("""\
        from sqlmodel import Session, select
        from sqlalchemy.orm import Session as S
        with store.session() as s:
            pass
        Session(engine)
        sqlmodel.Session(engine)
        store.sessions_count()
    """)
    assert sorted(line for line, _ in find_uses(source, SESSIONS)) == [1, 2, 3, 5, 6]
