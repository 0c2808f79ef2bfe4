"""A concept's hits are mentions: a hit nested in a longer hit of the same concept is not a
second occurrence, so that ``@c NEAR/n @c`` needs two different names; one name repeated is
one party."""

from __future__ import annotations

from monitor.models import Article
from monitor.rules.compiler import Document
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


def test_a_concept_is_looked_up_once_per_article() -> None:
    rule = make_rule("w", "@states", weights={"@states": 1, "title:@states": 1}, threshold=1)
    matcher = Matcher((rule,), "test", CONCEPTS)
    index = matcher.index("id")
    doc = Document("Korea Utara dan Amerika Serikat", "", index.lexicon)
    [compiled] = index.compiled
    assert compiled.query is not None
    first = compiled.query.run(doc)
    work = doc.work
    assert work > 0
    same, title_only = (program for program, _weight in compiled.weights)
    assert same.run(doc) == first  # another expression naming the concept: no new lookups
    assert doc.work == work
    spans = [(s, e) for s, e, _leaf in title_only.run(doc) or []]
    assert spans == [(s, e) for s, e, _leaf in first or []]  # a field is looked up apart
    assert doc.work > work


def test_one_name_repeated_is_not_two_parties() -> None:
    # "Indonesia ... Indonesia" near a talk word is one party: a partner is another entry.
    assert not _two("Amerika Serikat kata Amerika Serikat akan", "id")
    assert not _two("俄罗斯说俄罗斯", "zh")
    assert _two("Amerika Serikat kata Amerika Serikat dan Korea Utara", "id")
    # Another entry farther than the distance is no partner.
    assert not _two("Amerika " + "kata " * 13 + "Korea", "id")
    assert _two("Amerika " + "kata " * 12 + "Korea", "id")


def test_title_and_body_names_are_not_partners() -> None:
    rule = make_rule("two", "@states NEAR/12 @states")
    matcher = Matcher((rule,), "test", CONCEPTS)
    assert not matcher.match(Article("Amerika", "Korea", language="id"))
    assert matcher.match(Article("Amerika dan Korea", "Korea", language="id"))


def test_a_rule_that_extends_a_concept_leaves_it_unchanged_for_the_next() -> None:
    # "Korea ... Amerika" near each other only if the second concept's names leak into the
    # first: the OR of the first rule must not add "Amerika" to the kept mentions of @korea.
    concepts = {
        "korea": ConceptDef("korea", "k.yaml", 1, terms={"id": (ConceptTerm("korea"),)}),
        "amerika": ConceptDef("amerika", "a.yaml", 1, terms={"id": (ConceptTerm("amerika"),)}),
    }
    first = make_rule("first", "@korea OR @amerika")
    second = make_rule("second", "@korea NEAR/3 @korea")
    matcher = Matcher((first, second), "test", concepts)
    got = matcher.match(Article("Korea bertemu Amerika", "", language="id"))
    assert [m.rule_id for m in got] == ["first"]
