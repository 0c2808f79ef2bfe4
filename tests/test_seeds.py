"""Every file in seeds/ says what it must and must not match; this checks each claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from monitor.models import Article
from monitor.reader.article import extract
from monitor.reader.parsers.folder import SUFFIXES, read_file
from monitor.rules.matcher import Matcher
from tests.conftest import ROOT, RULES

SEEDS = sorted(p for p in (ROOT / "seeds").iterdir() if p.suffix in SUFFIXES)
_LINE = re.compile(r"^\s*(Expect|Expect-not|Junk)(?:\s+(\S+?))?:\s*(.*)$", re.MULTILINE)


def _claims(path: Path) -> list[tuple[str, str | None, list[str]]]:
    """(kind, item guid or None, values) for each claim in the file's header."""
    head = path.read_text(encoding="utf-8")[:3000]
    claims = []
    for kind, guid, value in _LINE.findall(head):
        values = yaml.safe_load(value) if value.strip().startswith("[") else value.split()
        claims.append((kind, guid or None, [str(v) for v in values]))
    return claims


def _cases() -> list[tuple[Path, str, str | None, list[str]]]:
    return [(p, kind, guid, values) for p in SEEDS for kind, guid, values in _claims(p)]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.load(RULES)


def test_every_seed_describes_itself() -> None:
    assert SEEDS, "seeds/ is empty"
    for path in SEEDS:
        kinds = {kind for kind, _g, _v in _claims(path)}
        assert "Expect" in kinds or "Expect-not" in kinds, f"{path.name} has no expectation"


def _article(path: Path, guid: str | None) -> Article:
    items = read_file(path)
    if guid is not None:
        items = [i for i in items if i.guid == guid]
        assert items, f"{path.name}: no item with guid {guid}"
    assert len(items) == 1 or guid is not None, f"{path.name}: name the item of each claim"
    return extract(items[0])


@pytest.mark.parametrize(("path", "kind", "guid", "values"), _cases(),
                         ids=lambda v: v.name if isinstance(v, Path) else None)
def test_seed_claim(matcher: Matcher, path: Path, kind: str, guid: str | None,
                    values: list[str]) -> None:
    article = _article(path, guid)
    matches = {m.rule_id: m for m in matcher.match(article)}
    if kind == "Expect":
        missing = set(values) - set(matches)
        assert not missing, f"{path.name}: expected {sorted(missing)} to match"
        for rule in values:
            assert matches[rule].evidence, f"{rule} matched without evidence"
    elif kind == "Expect-not":
        unwanted = set(values) & set(matches)
        assert not unwanted, f"{path.name}: {sorted(unwanted)} must not match"
    else:  # Junk: none of it may reach the article text, so no evidence can come from it
        for junk in values:
            assert junk.casefold() not in article.body.casefold(), f"junk {junk!r} kept"
            for m in matches.values():
                assert all(junk.casefold() not in e.snippet.casefold() for e in m.evidence)
