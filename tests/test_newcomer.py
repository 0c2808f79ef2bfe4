"""A fresh clone's test run: corpus tests skip (saying why) without ../shared, fail under CI;
no test reads or writes the live rules/ directory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, RULES, needs_corpus


@pytest.mark.parametrize(("ci", "skipped"), [(None, True), ("true", False)])
def test_a_missing_corpus_skips_outside_ci_and_fails_under_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str | None, skipped: bool) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    mark = needs_corpus(tmp_path / "no-corpus")
    assert mark.args[0] is skipped
    assert "shared corpus is not here" in mark.kwargs["reason"]
    assert needs_corpus(tmp_path).args[0] is False  # present: runs


def test_every_test_that_reads_the_corpus_is_marked() -> None:
    unmarked = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bCORPUS\b", text) and "needs_corpus" not in text:
            unmarked.append(path.name)
    assert not unmarked


def test_no_test_uses_the_live_rules_directory() -> None:
    assert RULES.resolve() != (ROOT / "rules").resolve()
    assert sorted(p.name for p in RULES.glob("*.yaml")) == sorted(
        p.name for p in (ROOT / "rules").glob("*.yaml"))
    exempt = {"conftest.py", Path(__file__).name}  # the snapshot, and this check
    users = [p.name for p in sorted((ROOT / "tests").rglob("*.py")) if p.name not in exempt
             and 'ROOT / "rules"' in p.read_text(encoding="utf-8")]
    assert not users  # they take RULES (a copy) from tests.conftest
