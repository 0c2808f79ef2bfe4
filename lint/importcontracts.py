"""Import-linter contract types for the house rules that the built-in contracts cannot express.

``lint-imports`` puts the working directory on ``sys.path``: run from the repository root, it
finds this module as ``lint.importcontracts`` (``contract_types`` in [tool.importlinter]).

- ``no_cycles``: no import cycle among a package's modules. Imports inside functions count (grimp
  records them like any other), and so does the package ``__init__`` that Python runs before a
  submodule: importing ``a.b.c`` from outside ``a.b`` first executes ``a/b/__init__.py``.
- ``no_calls``: modules outside ``allowed`` do not call, name or import what ``forbidden`` lists
  (found by parsing each module with ``ast``): printing, opening database sessions.
- ``public_surface`` (``lint/surface.py``): every package names its public surface in its
  ``__init__``'s ``__all__``; the rest is private.
"""

from __future__ import annotations

import ast
import importlib.util
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain.contract import InvalidContractOptions

# What each ``forbidden`` name of a ``no_calls`` contract stands for.
# A call is matched on its dotted callee (``sys.stdout.write``) or, after a leading ``.``, on
# its last attribute (``.session``: any ``x.session(...)``); ``import:`` names an import.
FORBIDDEN_KINDS = {
    "print": ("print", "sys.stdout.write", "sys.stderr.write", "stdout.write",
              "stderr.write", "name:print"),
    "session": (".session", "Session", ".Session", "import:sqlmodel.Session",
                "import:sqlalchemy.orm.Session", "import:sqlalchemy.orm.session.Session"),
}


def _strings(value: Any) -> list[str]:
    """A list option of a contract (import-linter sets the parsed value over the field)."""
    return [str(v) for v in value or ()]


def _within(module: str, parents: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in parents)


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


class NoCyclesContract(Contract):
    """No import cycle among the modules of ``containers``."""

    type_name = "no_cycles"

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        cycles = find_cycles(graph, _strings(self.containers))
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            for k, link in enumerate(cycle):
                output.print_error(("-   " if k == 0 else "    ") + link, bold=False)
            output.new_line()


def import_edges(graph: grimp.ImportGraph, containers: list[str]) -> dict[str, set[str]]:
    """Module → modules it imports, within ``containers``, with implicit package imports."""
    modules = {m for m in graph.modules if _within(m, containers)}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for importer in modules:
        own = set(_ancestors(importer))
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported not in modules:
                continue
            edges[importer].add(imported)
            # Packages above the imported module that the importer is not already inside run
            # first: their __init__ imports are part of this import.
            edges[importer].update(a for a in _ancestors(imported)
                                   if a not in own and a in modules)
        edges[importer].discard(importer)
    return edges


def find_cycles(graph: grimp.ImportGraph, containers: list[str]) -> list[list[str]]:
    """One shortest cycle through each module that is on a cycle, as its links ("a -> b (l.3)");
    modules already shown on a reported cycle start no other."""
    edges = import_edges(graph, containers)
    cycles: list[list[str]] = []
    covered: set[str] = set()
    for component in _strongly_connected(edges):
        if len(component) < 2:
            continue
        for start in sorted(component):
            if start in covered:
                continue
            path = _shortest_cycle(edges, start, component)
            covered.update(path)
            links = zip(path, [*path[1:], path[0]], strict=True)
            cycles.append([describe_link(graph, a, b) for a, b in links])
    return cycles


def describe_link(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    """``importer -> imported`` with the lines that import it, directly or through a submodule
    (which runs ``imported``'s ``__init__`` first)."""
    lines = _lines(graph, importer, imported)
    if lines:
        return f"{importer} -> {imported} (l.{lines})"
    via = sorted(m for m in graph.find_modules_directly_imported_by(importer)
                 if m.startswith(imported + "."))
    return (f"{importer} -> {imported} (its __init__ runs first: "
            + ", ".join(f"l.{_lines(graph, importer, m)} imports {m}" for m in via) + ")")


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return ",".join(str(n) for n in sorted({d["line_number"] for d in details}))


def _shortest_cycle(edges: dict[str, set[str]], start: str, within: set[str]) -> list[str]:
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(edges[node] & within):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is in a strongly connected component but on no cycle")


def _strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph is small, but recursion limits are smaller)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                out.append(component)
    return out


class NoCallsContract(Contract):
    """Modules of ``containers`` outside ``allowed`` (and their submodules) do not use
    ``forbidden`` (keys of FORBIDDEN_KINDS)."""

    type_name = "no_calls"

    containers = fields.ListField(subfield=fields.StringField())
    allowed = fields.ListField(subfield=fields.StringField(), required=False)
    forbidden = fields.ListField(subfield=fields.StringField())

    def validate(self) -> None:
        unknown = sorted(set(_strings(self.forbidden)) - set(FORBIDDEN_KINDS))
        if unknown:
            raise InvalidContractOptions({"forbidden": f"unknown {unknown}; known: "
                                          + ", ".join(sorted(FORBIDDEN_KINDS))})

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        containers, allowed = _strings(self.containers), _strings(self.allowed)
        patterns = [p for kind in _strings(self.forbidden) for p in FORBIDDEN_KINDS[kind]]
        found: list[str] = []
        for module in sorted(graph.modules):
            if not _within(module, containers) or _within(module, allowed):
                continue
            path = module_path(module)
            if path is None:
                continue
            for line, what in find_uses(path.read_text(encoding="utf-8"), patterns):
                found.append(f"{module}:{line}: {what}")
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["found"]:
            output.print_error(f"-   {line}", bold=False)
        output.new_line()


def module_path(module: str) -> Path | None:
    """The source file of ``module``, found without importing it."""
    root = module.split(".")[0]
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *module.split(".")[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else f"?.{node.attr}"
    return None


def find_uses(source: str, patterns: list[str]) -> Iterator[tuple[int, str]]:
    """(line, description) of each call, name or import of ``source`` that ``patterns`` name."""
    calls = {p for p in patterns if not p.startswith(("name:", "import:", "."))}
    tails = {p[1:] for p in patterns if p.startswith(".")}
    names = {p[5:] for p in patterns if p.startswith("name:")}
    imports = {p[7:] for p in patterns if p.startswith("import:")}
    tree = ast.parse(source)
    called: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callee = _dotted(node.func)
            if callee is None:
                continue
            if callee in calls or (isinstance(node.func, ast.Attribute)
                                   and node.func.attr in tails):
                called.add(id(node.func))
                yield node.lineno, f"calls {callee}(...)"
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in imports:
                    yield node.lineno, f"imports {node.module}.{alias.name}"
    for node in ast.walk(tree):
        # ``print`` handed on (``callback=print``) prints as surely as a call does.
        if isinstance(node, ast.Name) and node.id in names and id(node) not in called:
            yield node.lineno, f"uses {node.id}"
