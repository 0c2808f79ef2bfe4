"""Matching is bounded: NEAR and SENT do n·log n work, not a comparison per pair of hits, and
an article matches within its budget (clipped body, hits per leaf, evaluation steps), keeping
what fits, counting and logging the overrun, never raising.

The work is counted, not timed: positions that count their comparisons (NEAR) and calls that
place a token in its sentence (SENT).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pytest

from monitor.models import Article
from monitor.rules import document
from monitor.rules.compiler import Compiler, Document, Hit, Leaf
from monitor.rules.files import make_rule
from monitor.rules.matcher import MAX_EVIDENCE, Matcher
from monitor.rules.syntax import parse
from tests.conftest import RULES

ROOT = Path(__file__).resolve().parents[2]
COMPARISONS = [0]


class Counted(int):
    """A token position that counts how often it is compared or subtracted."""

    def _count(self) -> None:
        COMPARISONS[0] += 1

    def __lt__(self, other: Any) -> bool:
        self._count()
        return bool(int(self) < other)

    def __le__(self, other: Any) -> bool:
        self._count()
        return bool(int(self) <= other)

    def __gt__(self, other: Any) -> bool:
        self._count()
        return bool(int(self) > other)

    def __ge__(self, other: Any) -> bool:
        self._count()
        return bool(int(self) >= other)

    def __eq__(self, other: object) -> bool:
        self._count()
        return int(self) == other

    def __ne__(self, other: object) -> bool:
        self._count()
        return int(self) != other

    def __sub__(self, other: Any) -> int:
        self._count()
        return int(self) - int(other)

    def __rsub__(self, other: Any) -> int:
        self._count()
        return int(other) - int(self)

    __hash__ = int.__hash__


class CountingDocument(Document):
    """Positions that count their comparisons, and the calls placing tokens in sentences."""

    span_calls = 0

    def find(self, leaf: Leaf) -> list[tuple[int, int]]:
        return [(Counted(s), Counted(e)) for s, e in super().find(leaf)]

    def char_span(self, position: int) -> tuple[int, int]:
        CountingDocument.span_calls += 1
        return super().char_span(position)


def _document(matcher: Matcher, body: str) -> Document:
    return CountingDocument("Report", body, matcher.index("en").lexicon)


def _run(query: str, body: str) -> tuple[list[Hit] | None, Document]:
    matcher = Matcher((make_rule("r", query),), "test")
    doc = _document(matcher, body)
    program = Compiler("en", matcher._analyzers.get("en"), {}).compile(parse(query))
    return program.run(doc), doc


@pytest.mark.parametrize("hits", [500, 900])
def test_near_compares_n_log_n_times_not_once_per_pair(hits: int) -> None:
    COMPARISONS[0] = 0
    got, _doc = _run("embassy NEAR/3 russia", "The embassy of Russia " * hits)
    assert got is not None and len(got) == 2 * hits
    # Every pair compared is hits² (250,000 and 810,000) comparisons; sorting and bisecting
    # is a few times hits·log2(hits).
    assert COMPARISONS[0] < 20 * hits * math.log2(hits)


def test_sent_places_each_hit_in_its_sentence_once() -> None:
    hits = 400
    CountingDocument.span_calls = 0
    got, _doc = _run("embassy SENT russia", "The embassy of Russia " * hits)
    assert got is not None and len(got) == 2 * hits
    # One sentence holds every hit: pairwise placement took 2·hits² (320,000) calls.
    assert CountingDocument.span_calls <= 2 * hits


def test_near_keeps_the_same_hits_as_every_pair_would() -> None:
    body = ("Russia said. The embassy in Riga closed; far away, many words later, one more "
            "embassy. Russia again embassy Russia. x " * 3)
    for query in ("embassy NEAR/1 russia", "embassy NEAR/4 russia", "embassy SENT russia",
                  "embassy NEAR/3 embassy", "(embassy OR russia) NEAR/2 (embassy OR russia)"):
        got, doc = _run(query, body)
        expected = _pairwise(query, doc)
        assert sorted({(h[0], h[1]) for h in got or []}) == expected, query


def _pairwise(query: str, doc: Document) -> list[tuple[int, int]]:
    """The hits every-pair comparison keeps (the definition of NEAR and SENT)."""
    node = parse(query)
    compiler = Compiler("en", Matcher((), "t")._analyzers.get("en"), {})
    left = compiler.compile(node.left).run(doc) or []  # type: ignore[union-attr]
    right = compiler.compile(node.right).run(doc) or []  # type: ignore[union-attr]
    distance = node.distance  # type: ignore[union-attr]
    keep = set()
    for a in left:
        for b in right:
            if (a[0], a[1]) == (b[0], b[1]):
                continue
            if distance is None:
                ok = doc.sentences([a[0]]) == doc.sentences([b[0]])
            else:
                ok = max(a[0], b[0]) - min(a[1], b[1]) <= distance
            if ok:
                keep |= {(int(a[0]), int(a[1])), (int(b[0]), int(b[1]))}
    return sorted(keep)


def test_a_10_mb_article_matches_on_what_fits_and_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    matcher = Matcher.load(RULES)
    body = "The embassy of Russia " * (10_000_000 // 22)
    with caplog.at_level(logging.WARNING, "monitor.rules.matcher"):
        # A mission word beside a state scores once per sentence; the headline naming the
        # embassy makes it an embassy story (rules/embassies.yaml).
        [match] = matcher.match(Article("Embassy report", body, language="en"))
    assert match.rule_id == "embassies"
    assert len(match.evidence) == MAX_EVIDENCE
    assert matcher.overruns == 1
    [record] = [r for r in caplog.records if r.getMessage() == "rules.match.budget"]
    assert record.matched_chars <= document.MAX_BODY_CHARS  # type: ignore[attr-defined]


def test_a_spent_budget_keeps_earlier_matches_and_never_raises(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_WORK", 300)
    matcher = Matcher((make_rule("a", "embassy"), make_rule("b", "embassy NEAR/2 russia"),
                       make_rule("c", "russia")), "test")
    found = matcher.match(Article("t", "The embassy of Russia " * 200, language="en"))
    assert [m.rule_id for m in found] == ["a"]
    assert matcher.overruns == 1
    monkeypatch.setattr(document, "MAX_WORK", 1_000_000)
    assert [m.rule_id for m in matcher.match(Article("t", "The embassy of Russia " * 200,
                                                     language="en"))] == ["a", "b", "c"]


def test_hits_per_leaf_are_capped() -> None:
    got, _doc = _run("embassy", "embassy " * (document.MAX_HITS_PER_LEAF + 500))
    assert got is not None and len(got) == document.MAX_HITS_PER_LEAF


def test_clip_cuts_at_a_space() -> None:
    assert document.clip("alpha beta gamma", 12) == "alpha beta"
    assert document.clip("short", 12) == "short"
