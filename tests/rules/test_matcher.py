"""The compiled matcher: evidence, concepts, filters, scores and the seed article."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import Article
from monitor.rules.files import make_rule
from monitor.rules.matcher import Matcher
from tests.conftest import RULES
from tests.rules.toyrules import SEPARATORS, matcher_of

ROOT = Path(__file__).resolve().parents[2]
SEED = Path(__file__).resolve().parents[1] / "data" / "seed_article.txt"
JUNK = ("Buka kunci buletin", "MEMBACA")


def test_evidence_offsets_point_into_the_original_text() -> None:
    article = Article(title="New «Sanctions» on Iran",
                      body="The EU  agreed\nasset   FREEZES on Monday; sanctions widen.",
                      language="en")
    [match] = matcher_of(make_rule("s", "@sanctions")).match(article)
    got = {(e.field, e.start, e.end, e.text) for e in match.evidence}
    assert got == {("title", 5, 14, "Sanctions"), ("body", 15, 30, "asset   FREEZES"),
                   ("body", 42, 51, "sanctions")}
    for e in match.evidence:
        text = article.title if e.field == "title" else article.body
        assert text[e.start:e.end] == e.text
        assert f"«{' '.join(e.text.split())}»" in e.snippet  # snippets collapse blanks
        assert e.concept == "sanctions"


def test_no_duplicate_evidence_for_one_span() -> None:
    rule = make_rule("s", 'embassy OR embass* OR "embassy" OR (embassy NEAR/3 closed)')
    [match] = matcher_of(rule).match(Article("t", "The embassy closed.", language="en"))
    spans = [(e.field, e.start, e.end) for e in match.evidence]
    assert spans == [("body", 4, 11), ("body", 12, 18)]


def test_concepts_are_per_language_plus_any() -> None:
    matcher = matcher_of(make_rule("s", "@sanctions"))
    assert matcher.match(Article("t", "Новые санкции против банков", language="ru"))
    assert not matcher.match(Article("t", "New sanctions on banks", language="ru"))
    assert matcher.match(Article("t", "OFAC acts", language="fr"))


def test_weighted_concept_terms_score() -> None:
    [match] = matcher_of(make_rule("s", "@sanctions")).match(
        Article("t", "An asset freeze and a sanction.", language="en"))
    assert match.score == pytest.approx(3.0)


def test_title_hits_count_double() -> None:
    [match] = matcher_of(make_rule("s", "sanction")).match(
        Article("Sanction", "sanction", language="en"))
    assert match.score == pytest.approx(2.0)


@pytest.mark.parametrize(("sources", "source_id", "labels", "applies"), [
    ((), 7, (), True),
    (("7",), 7, (), True),
    (("8",), 7, (), False),
    (("wires",), 7, ("wires", "en"), True),
    (("wires",), None, ("press",), False),
])
def test_sources_filter(sources: tuple[str, ...], source_id: int | None,
                        labels: tuple[str, ...], applies: bool) -> None:
    matcher = matcher_of(make_rule("s", "sanction", sources=sources))
    article = Article("t", "a sanction", language="en", source_id=source_id,
                      source_labels=labels)
    assert bool(matcher.match(article)) is applies


@pytest.mark.parametrize(("languages", "article_language", "applies"), [
    ((), "en", True),
    (("en",), "en", True),
    (("fr", "de"), "en", False),
    (("id",), "ms", True),  # detectors call Indonesian Malay; the close language applies
])
def test_languages_filter(languages: tuple[str, ...], article_language: str,
                          applies: bool) -> None:
    matcher = matcher_of(make_rule("s", "sanksi OR sanction", languages=languages))
    article = Article("t", "sanksi sanction", language=article_language)
    assert bool(matcher.match(article)) is applies


def test_declared_language_wins_over_detection() -> None:
    matcher = matcher_of(make_rule("s", "@sanctions"))
    text = "The government announced new sanctions against the banks of the country today."
    assert matcher.match(Article("t", text))  # detected: en
    assert not matcher.match(Article("t", text, language="ru"))


def test_min_score() -> None:
    article = Article("t", "a sanction and a sanction", language="en")
    assert matcher_of(make_rule("s", "sanction", min_score=1.0)).match(article)
    assert not matcher_of(make_rule("s", "sanction", min_score=1.5)).match(article)


@pytest.mark.parametrize(("body", "matches", "score"), [
    ("The embassy was closed after the attack.", True, 5.0),
    ("The embassy was closed.", True, 3.0),
    ("The embassy hosted a party.", False, 0.0),
    ("The closed hotel.", False, 0.0),
])
def test_weighted_threshold(body: str, matches: bool, score: float) -> None:
    rule = make_rule("w", "", weights={"embass*": 2, "closed OR shut": 1, "attack*": 2},
                     threshold=3)
    got = matcher_of(rule).match(Article("t", body, language="en"))
    assert bool(got) is matches
    if got:
        assert got[0].score == pytest.approx(score)
        assert got[0].evidence


def test_weighted_rule_with_query_gate() -> None:
    rule = make_rule("w", "title:embassy", weights={"closed": 1, "attack*": 1}, threshold=1)
    matcher = matcher_of(rule)
    assert matcher.match(Article("Embassy", "closed", language="en"))
    assert not matcher.match(Article("News", "embassy closed", language="en"))


def test_disabled_rules_are_listed_but_never_match() -> None:
    matcher = matcher_of(make_rule("s", "sanction", enabled=False))
    assert [r.id for r in matcher.rules] == ["s"]
    assert matcher.match(Article("t", "sanction", language="en")) == []


def test_cjk_terms_match_inside_unsegmented_text() -> None:
    matcher = matcher_of(make_rule("s", "制裁 AND 俄罗斯"))
    [match] = matcher.match(Article("美国宣布对俄罗斯实施新制裁", "", language="zh"))
    assert {e.text for e in match.evidence} == {"制裁", "俄罗斯"}


def _seed() -> tuple[Article, list[str]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    junk = [line for line in lines if line.startswith(JUNK)]
    kept = [line for line in lines[1:] if not line.startswith(JUNK)]
    return Article(title=lines[0], body="\n".join(kept)), junk


def test_seed_article_hits_all_three_shipped_rules() -> None:
    matcher = Matcher.load(RULES)
    article, junk = _seed()
    assert len(junk) == 3
    matches = {m.rule_id: m for m in matcher.match(article)}
    assert set(matches) == {"sanctions", "embassies", "negotiations"}
    for match in matches.values():
        for e in match.evidence:
            text = article.title if e.field == "title" else article.body
            assert text[e.start:e.end] == e.text
            assert not any(e.text in j or j in e.snippet for j in junk)
    assert any(e.text == "sanksi" for e in matches["sanctions"].evidence)
    assert any(e.text.lower().startswith("kedutaan") for e in matches["embassies"].evidence)
    assert any(e.text == "negosiasi" for e in matches["negotiations"].evidence)


def test_seed_article_with_declared_language() -> None:
    matcher = Matcher.load(RULES)
    article, _junk = _seed()
    declared = Article(article.title, article.body, language="id")
    assert {m.rule_id for m in matcher.match(declared)} == {
        "sanctions", "embassies", "negotiations"}


@pytest.mark.parametrize(("language", "query", "text", "matches"), [
    ("tr", "ırak", "IRAK sınırında", True),
    ("tr", "istanbul", "İSTANBUL'da toplantı", True),
    ("fr", "négociation", "Les NEGOCIATIONS reprennent", True),
    ("de", "gespräch", "Die Gespraeche", True),  # Snowball German reads ae as ä
    ("ar", "المفاوضات", "والمفاوضات مستمرة", True),
    ("ar", "مفاوضات", "بدأت المُفاوَضات أمس", True),
    ("uk", "санкція", "нові санкції проти банків", True),
    ("zh", "停火", "双方同意停火。", True),
])
def test_query_terms_use_the_article_language_pipeline(language: str, query: str, text: str,
                                                       matches: bool) -> None:
    matcher = matcher_of(make_rule("r", query))
    assert bool(matcher.match(Article("t", text, language=language))) is matches


WORDS = st.sampled_from(["embassy", "Embassy", "EMBASSIES", "closed", "talks", "x", "é", "中",
                         "制裁", "İ", "ﬁne"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPARATORS), max_size=40),
       st.sampled_from(["en", "tr", "zh", None]))
def test_evidence_always_slices_the_original_text(parts: list[tuple[str, str]],
                                                  language: str | None) -> None:
    body = "".join(w + s for w, s in parts)
    matcher = matcher_of(make_rule("r", 'embass* OR (closed NEAR/2 talks) OR 制裁 OR "x é"'))
    for match in matcher.match(Article("Embassy talks", body, language=language)):
        spans = set()
        for e in match.evidence:
            text = "Embassy talks" if e.field == "title" else body
            assert text[e.start:e.end] == e.text
            assert (e.field, e.start, e.end) not in spans
            spans.add((e.field, e.start, e.end))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.text(max_size=60),
       st.sampled_from(["en", "ar", "tr", "uk", "zh", "de", None]))
def test_any_text_matches_without_error(body: str, title: str, language: str | None) -> None:
    rule = make_rule("r", "ab* OR (e NEAR/3 in*) OR (o SENT u) OR 中 OR \"ا ل*\"")
    for match in matcher_of(rule).match(Article(title, body, language=language)):
        for e in match.evidence:
            text = title if e.field == "title" else body
            assert text[e.start:e.end] == e.text
