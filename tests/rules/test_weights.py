"""Weighted rules: negative weights count against a match and never show as its evidence."""

from __future__ import annotations

import pytest

from monitor.models import Article
from monitor.rules.files import make_rule
from monitor.rules.matcher import Matcher

RULE = make_rule("w", "embass*", weights={"embass* NEAR/5 (closed OR attack*)": 2,
                                          "title:embass*": 1,
                                          "embass* NEAR/2 (hotel OR suites)": -2},
                 threshold=2)


def _match(title: str, body: str) -> list[tuple[str, float, set[str]]]:
    got = Matcher((RULE,), "test").match(Article(title, body, language="en"))
    return [(m.rule_id, m.score, {e.text.lower() for e in m.evidence}) for m in got]


@pytest.mark.parametrize(("title", "body", "score"), [
    ("Embassy closed", "The embassy was closed after the attack.", 3.0),
    ("News", "The embassy was closed after the attack.", 2.0),
    ("Embassy closed", "The Embassy Suites hotel was closed.", 1.0),
    ("News", "Guests left the Embassy Suites hotel, closed after an attack.", 0.0),
])
def test_a_negative_weight_lowers_the_score(title: str, body: str, score: float) -> None:
    got = _match(title, body)
    assert [s for _r, s, _e in got] == ([score] if score >= 2 else [])


def test_a_negative_expression_that_holds_adds_no_evidence() -> None:
    rule = make_rule("w", "embass*", weights={"embass* NEAR/5 closed": 3,
                                              "embass* NEAR/2 suites": -1}, threshold=2)
    [match] = Matcher((rule,), "test").match(
        Article("t", "The embassy was closed, said guests of Embassy Suites.", language="en"))
    assert match.score == pytest.approx(2.0)
    assert "suites" not in {e.text.lower() for e in match.evidence}
    assert {"embassy", "closed"} <= {e.text.lower() for e in match.evidence}
