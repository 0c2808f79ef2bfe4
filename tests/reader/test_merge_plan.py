"""Story merges as the poll plans them (no database): an article that retells two stories
shows them to be one, on merge-grade evidence for each, never on names alone, never between
one poll's own articles, and through the encoder only when the stories' members read alike."""

from __future__ import annotations

import numpy as np

from monitor.models import Article
from monitor.reader import semantic
from monitor.reader.linking import DEFAULT
from monitor.reader.stories import plan_stories
from monitor.store.records import PollArticle, StoryCandidates, StoryDecisions, TermHit


def test_an_article_retelling_two_stories_merges_them_into_the_older() -> None:
    """Two reports of one event that share too little to join (other figures, another
    script) stay two stories until an article clears the bars of both: then they are one."""
    page = "l:76fc0ae0e028d897"  # the statement all three cite

    def _told(language: str) -> Article:  # each its own text: no exact copy of another
        return Article(title="t", body="b", language=language, content_hash=language)

    def hit(story: int, article: int, language: str) -> TermHit:
        return (story, article, language, 4, 0, "")
    candidates = StoryCandidates({}, {}, {}, by_term={
        page: [hit(34, 35, "de"), hit(21, 22, "en")],
        "n:lbrb": [hit(21, 22, "en")], "n:btkb": [hit(34, 35, "de")]})
    item = PollArticle(_told("ru"),
                       terms=(page, "n:lbrb", "n:btkb", "n:rbs"))
    later = PollArticle(_told("fr"), terms=(page, "n:btkb"))
    assert plan_stories([item, later], candidates) == StoryDecisions([21, 21], {34: 21})
    # Names alone, without the cited page, join the best story but merge nothing: a weaker
    # link than a merge asks (``linking.Thresholds.merge_terms``).
    named = {"n:lbrb": [hit(21, 22, "en")], "n:btkb": [hit(34, 35, "de")],
             "n:rbs": [hit(21, 22, "en"), hit(34, 35, "de")],
             "n:srk": [hit(21, 22, "en"), hit(34, 35, "de")]}
    alone = PollArticle(_told("ru"),
                        terms=("n:lbrb", "n:btkb", "n:rbs", "n:srk"))
    decided = plan_stories([alone], StoryCandidates({}, {}, {}, by_term=named))
    assert decided.joins in ([21], [34]) and decided.merges == {}
    # Within one poll, one source's: its first article (sharing no name with story 21) is a
    # story of its own, which the second, citing the page with both, neither joins nor
    # merges: a source's posts are no retellings of each other.
    fresh = PollArticle(_told("de"), terms=("n:btkb", page))
    assert plan_stories([fresh, item], StoryCandidates({}, {}, {}, by_term={
        page: [hit(21, 22, "en")], "n:lbrb": [hit(21, 22, "en")]})) == StoryDecisions(
            [-1, 21], {})


def _unit(*parts: tuple[int, float]) -> bytes:
    """A stored vector: these components (axis, weight), normalised, as float16 bytes."""
    v = np.zeros(semantic.DIM, dtype=np.float32)
    for axis, weight in parts:
        v[axis] = weight
    return (v / np.linalg.norm(v)).astype(np.float16).tobytes()


def test_stories_an_article_reads_like_are_merged_only_when_they_read_alike() -> None:
    """An article between two events of a busy day reads like both: their stories are one
    only when a member of each reads like one of the other, and they name no days apart."""
    item = PollArticle(Article(title="t", body="b", language="ru", content_hash="ru"),
                       vector=_unit((0, 1.0)))
    mine = _unit((0, 0.95), (1, 0.312))

    def decide(other: bytes, days: tuple[str, str] = ("", "")) -> StoryDecisions:
        newest: list[TermHit] = [(21, 22, "en", 4, 0, days[0]), (34, 35, "de", 4, 0, days[1])]
        candidates = StoryCandidates({}, {}, {}, vectors={22: mine, 35: other}, recent=newest)
        return plan_stories([item], candidates)
    # Each member reads like the item (cosine 0.85 or more); the two members 0.90, or 0.64.
    alike, apart = _unit((0, 0.95), (2, 0.312)), _unit((0, 0.85), (1, -0.527))
    assert float(semantic.decode(mine) @ semantic.decode(apart)) < DEFAULT.merge_semantic
    assert decide(alike) == StoryDecisions([21], {34: 21})
    assert decide(apart) == StoryDecisions([21], {})
    # Alike, but one story names days the other's members do not come near: two events.
    assert decide(alike, days=("0620", "0622")) == StoryDecisions([21], {34: 21})
    assert decide(alike, days=("0620", "0101")) == StoryDecisions([21], {})


def test_a_merge_resting_on_the_encoder_needs_vectors_on_both_sides() -> None:
    """Story 21 is found through a page the item cites (no member vector read), story 34
    through the encoder alone: nothing to tell whether the two read alike, no merge. Story 21
    found through names alone is no merge-grade evidence either."""
    page = "l:76fc0ae0e028d897"
    item = PollArticle(Article(title="t", body="b", language="ru", content_hash="ru"),
                       terms=(page, "n:lbrb"), vector=_unit((0, 1.0)))
    by_page = {page: [(21, 22, "en", 3, 0, "")], "n:lbrb": [(21, 22, "en", 3, 0, "")]}
    newest: list[TermHit] = [(34, 35, "de", 4, 0, "")]
    found = StoryCandidates({}, {}, {}, by_term=by_page, vectors={35: _unit((0, 1.0))},
                            recent=newest)
    assert plan_stories([item], found) == StoryDecisions([21], {})
    # With a member vector of story 21 as alike as the other's: one story.
    found = StoryCandidates({}, {}, {}, by_term=by_page, recent=newest,
                            vectors={22: _unit((0, 1.0)), 35: _unit((0, 1.0))})
    assert plan_stories([item], found) == StoryDecisions([21], {34: 21})
