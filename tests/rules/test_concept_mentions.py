"""A concept's hits are mentions: a hit nested in a longer hit of the same concept is not a
second occurrence, so that ``@c NEAR/n @c`` needs two different names."""

from __future__ import annotations

from monitor.models import Article
from monitor.rules.concepts import ConceptDef, ConceptTerm
from monitor.rules.files import make_rule
from monitor.rules.matcher import Matcher

CONCEPTS = {
    "states": ConceptDef("states", "c.yaml", 1, terms={
        "id": (ConceptTerm("korea"), ConceptTerm("korea utara"), ConceptTerm("amerika"),
               ConceptTerm("amerika serikat")),
        "zh": (ConceptTerm("俄"), ConceptTerm("俄罗斯"), ConceptTerm("乌克兰")),
    }),
}


def _two(text: str, language: str) -> bool:
    rule = make_rule("two", "@states NEAR/12 @states")
    return bool(Matcher((rule,), "test", CONCEPTS).match(Article(text, "", language=language)))


def test_one_name_matched_by_two_entries_is_one_mention() -> None:
    assert not _two("Korea Utara luncurkan rudal", "id")
    assert not _two("俄罗斯表示", "zh")


def test_two_names_are_two_mentions() -> None:
    assert _two("Korea Utara dan Amerika Serikat", "id")
    assert _two("俄罗斯和乌克兰", "zh")
    assert _two("Korea dan Korea Utara", "id")


def test_the_longest_mention_is_the_evidence() -> None:
    rule = make_rule("one", "@states")
    [match] = Matcher((rule,), "test", CONCEPTS).match(
        Article("Amerika Serikat umumkan tarif", "", language="id"))
    assert [e.text for e in match.evidence] == ["Amerika Serikat"]
