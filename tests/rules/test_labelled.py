"""Every line of the labelled multilingual set (seeds/labelled/*.jsonl) against the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.models import Article
from monitor.rules.matcher import Matcher
from tests.conftest import RULES as RULES_DIR

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "id", "ru", "uk", "fr", "de", "es", "pt", "ar", "zh")
RULES = ("sanctions", "embassies", "negotiations")


def _lines() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted((ROOT / "seeds" / "labelled").glob("*.jsonl")):
        out.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                   if line.strip())
    return out


LINES = _lines()


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.load(RULES_DIR)


def test_the_set_covers_every_language_and_rule() -> None:
    for lang in LANGUAGES:
        mine = [x for x in LINES if x["language"] == lang]
        for rule in RULES:
            assert sum(rule in x["expect"] for x in mine) >= 3, (lang, rule)
            assert sum(rule in x["expect_not"] for x in mine) >= 2, (lang, rule)
    assert len({x["id"] for x in LINES}) == len(LINES)


@pytest.mark.parametrize("line", LINES, ids=[x["id"] for x in LINES])
def test_labelled_line(matcher: Matcher, line: dict[str, Any]) -> None:
    article = Article(title=line["title"], body=line["body"], language=line["language"])
    got = {m.rule_id for m in matcher.match(article)}
    assert set(line["expect"]) <= got
    assert not set(line["expect_not"]) & got
