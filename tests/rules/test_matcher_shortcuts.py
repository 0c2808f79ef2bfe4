"""The matcher's shortcuts against the general path each stands for: the candidate index and
the words no rule names, the lexicon warm or started over, records built without their
``__init__``, one word's hits judged without sorting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.models import Article
from monitor.rules.compiler import TERM, Leaf
from monitor.rules.files import make_rule
from tests.rules.toyrules import SEPARATORS, matcher_of


class _Everything:
    """A set that holds every word: a lexicon built with it keeps all of an article's words."""

    def __contains__(self, item: object) -> bool:
        return True


ORACLE_RULES = (
    make_rule("a", "embassy OR (sanction* NOT sport)"),
    make_rule("b", '"asset freez*" OR (talks NEAR/2 iran)'),
    make_rule("c", "(closed SENT embassy) AND NOT title:talks"),
    make_rule("d", '@sanctions OR "peace talks"'),
    make_rule("e", "lang:en (talks OR closed*)"),
    make_rule("f", "title:iran body:talks"),
)
ORACLE_WORDS = st.sampled_from(
    ["embassy", "Embassies", "sanctions", "Sanction", "sport", "asset", "freezes", "FREEZE",
     "talks", "Iran", "closed", "peace", "the", "of", "OFAC", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ORACLE_WORDS, SEPARATORS), max_size=30),
       st.lists(ORACLE_WORDS, max_size=4))
def test_the_index_finds_what_evaluating_every_rule_on_every_word_finds(
        parts: list[tuple[str, str]], title_words: list[str]) -> None:
    from monitor.rules.compiler import Document
    from monitor.rules.evidence import build_evidence
    from monitor.rules.lexicon import Lexicon
    from monitor.rules.matcher import _judge, match_of

    body, title = "".join(w + s for w, s in parts), " ".join(title_words)
    matcher = matcher_of(*ORACLE_RULES)
    index = matcher.index("en")
    got = matcher.match(Article(title, body, language="en"))
    # The oracle: no candidate filter, and no word of the article dropped as unnamed.
    known = index.lexicon
    everything = _Everything()
    lexicon = Lexicon(known._keys, known._terms, known._exact,
                      known._automaton, (everything, everything))  # type: ignore[arg-type]
    doc = Document(title, body, lexicon)
    expected = [match_of(c.rule, score, build_evidence(doc, hits)) for c in index.compiled
                if (found := _judge(c, doc)) is not None for _c, score, hits in [found]]
    assert got == expected
    again = matcher.match(Article(title, body, language="en"))  # the lexicon is warm now
    assert again == got


def test_the_lexicon_starts_over_when_full_and_still_matches() -> None:
    matcher = matcher_of(make_rule("s", "@sanctions NEAR/3 iran"))
    index = matcher.index("en")
    index.lexicon._limit = 3
    article = Article("", "New sanctions on Iran, and an asset freeze for Iran's bank.",
                      language="en")
    first = matcher.match(article)
    assert [m.rule_id for m in first] == ["s"]
    for _ in range(3):  # each article overflows the limit and replaces the cache
        assert matcher.match(article) == first
        assert len(index.lexicon) <= len(set(article.body.split())) + 2


def test_words_no_rule_names_share_the_empty_entry() -> None:
    matcher = matcher_of(make_rule("s", "embass* OR sanction"))
    lexicon = matcher.index("en").lexicon
    expected = {"Embassies": ("embassies", "embassi", (0,), ("embass",)),
                "sanctions": ("sanctions", "sanction", (0,), ())}
    words, entries = lexicon.named({"the", "Embassies", "sanctions", "weather"})
    assert dict(zip(words, entries, strict=True)) == expected
    # Again from the tables: the unnamed words are dropped, the named ones found as they were.
    words, entries = lexicon.named({"the", "Embassies", "sanctions", "weather"})
    assert dict(zip(words, entries, strict=True)) == expected
    assert len(lexicon) == 4


def test_matches_and_evidence_are_made_as_their_dataclasses_would_make_them() -> None:
    import dataclasses
    import pickle

    from monitor.models import Evidence, Match
    from monitor.rules.evidence import evidence_of
    from monitor.rules.matcher import match_of

    values = ("sanction", "body", 4, 13, "Sanctions", "«Sanctions» widen", "sanctions", 2.0,
              "context")
    made, usual = evidence_of(*values), Evidence(*values)
    assert type(made) is Evidence
    # Every field the model declares, in its order: a field added to the model shows up here.
    assert vars(made) == vars(usual)
    assert list(vars(made)) == [f.name for f in dataclasses.fields(Evidence)]
    assert made == usual and hash(made) == hash(usual)
    assert pickle.loads(pickle.dumps(made)) == usual
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.term = "other"  # type: ignore[misc]

    rule = make_rule("s", "sanction", severity="high", notify=("ops",))
    got = match_of(rule, 1.5, (made,))
    expected = Match("s", rule.name, 1.5, (usual,), "high", ("ops",))
    assert type(got) is Match
    assert vars(got) == vars(expected)
    assert list(vars(got)) == [f.name for f in dataclasses.fields(Match)]
    assert got == expected and got.to_dict() == expected.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.score = 0.0  # type: ignore[misc]


HIT_LEAVES = [Leaf(TERM, k, (), k, None, w, None) for k, w in
              (("talk", 1.0), ("iran", 2.5), ("x", 0.0), ("minus", -1.0))]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 3), st.sampled_from(HIT_LEAVES)),
                min_size=1, max_size=8), st.integers(0, 12))
def test_the_hits_of_one_word_in_order_are_judged_as_any_hits_would_be(
        spans: list[tuple[int, int, Leaf]], body_start: int) -> None:
    from monitor.rules.evidence import one_term_in_order, ordered, stretches
    from monitor.rules.matcher import _score

    hits = [(start, start + size, leaf) for start, size, leaf in spans]
    if not one_term_in_order(hits):
        return
    assert stretches(list(hits)) == hits
    assert ordered(stretches(list(hits))) == hits
    leaf = hits[0][2]
    if leaf.weight >= 0:  # the matcher's shortcut, against the general score
        assert leaf.weight * (2.0 if hits[0][0] < body_start else 1.0) == _score(hits, body_start)


def test_one_word_in_order_is_told_from_other_hits() -> None:
    from monitor.rules.evidence import one_term_in_order

    talk, iran = HIT_LEAVES[:2]
    assert one_term_in_order([(1, 2, talk), (4, 5, talk)])
    assert not one_term_in_order([(1, 2, talk), (4, 5, iran)])  # two words
    assert not one_term_in_order([(4, 5, talk), (1, 2, talk)])  # out of order
    assert not one_term_in_order([(1, 2, talk), (1, 2, talk)])  # the same hit twice
    assert not one_term_in_order([(1, 3, talk), (2, 3, talk)])  # one inside the other
