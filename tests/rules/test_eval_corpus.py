"""The real-news evaluation corpus keeps its shape: every line labelled for every shipped
rule, one line per published page, and each line in the split its URL's hash assigns."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

from tests.conftest import ROOT

EVAL = ROOT / "seeds" / "eval"
KEYS = ["id", "language", "title", "body", "url", "origin", "expect", "expect_not", "note"]
RULES = {"sanctions", "embassies", "negotiations"}


def _lines() -> list[tuple[Path, dict[str, object]]]:
    paths = sorted([*EVAL.glob("dev/*.jsonl"), *EVAL.glob("test/*.jsonl")])
    return [(path, json.loads(raw)) for path in paths
            for raw in path.read_text(encoding="utf-8").splitlines() if raw.strip()]


def test_every_line_is_labelled_for_every_rule_and_sits_in_its_split() -> None:
    lines = _lines()
    assert len(lines) >= 1000
    for path, line in lines:
        assert list(line) == KEYS, (path.name, line.get("id"))
        expect, expect_not = set(line["expect"]), set(line["expect_not"])  # type: ignore[call-overload]
        assert expect | expect_not == RULES and not expect & expect_not, line["id"]
        assert path.stem == line["language"], line["id"]
        assert 0 < len(str(line["body"])) <= 1200, line["id"]
        digest = hashlib.sha1(str(line["url"] or line["id"]).encode()).hexdigest()
        assert path.parent.name == ("test" if int(digest, 16) % 2 == 0 else "dev"), line["id"]


def test_pages_are_used_once_and_each_language_has_hard_negatives() -> None:
    lines = [line for _path, line in _lines()]
    urls = Counter(str(line["url"]) for line in lines if line["url"])
    assert not [u for u, n in urls.items() if n > 1]
    assert not [i for i, n in Counter(str(line["id"]) for line in lines).items() if n > 1]
    languages = Counter(str(line["language"]) for line in lines)
    assert len(languages) >= 25
    negatives = Counter(str(line["language"]) for line in lines if not line["expect"])
    assert all(negatives[lang] >= 8 for lang in languages), negatives
