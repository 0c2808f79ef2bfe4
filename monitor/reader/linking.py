"""Story linking: whether an article retells the event of a recent story told
by another outlet, in its language or another, on evidence that reads the same in every
language.

The evidence is the article's terms (``crossnames.link_terms``: the skeletons of the names it
gives, the figures of its title and lead, the pages it cites) and, with the optional encoder
(``semantic``), the similarity of the two titles and leads. A candidate is an article found
through the term index (``store.storyterms``) sharing a term that is not crowded (a term on
more recent articles than the lookup's cap names too much to tell events apart), or, with the
encoder, one of the newest articles. Whatever the evidence, two articles never link when

- both give figures and none in common (a toll, a vote, a package's number apart), or
- the candidate's story is a templated other event (``avoid``: a near-copy of the article's
  text naming other actors or figures, ``eventkeys.distinct``: "Japan imposes sanctions..."
  against the same about Canada), or
- in one language, the candidate does not name every name of the article's headline (the
  same template told less alike, past what SimHash calls a near-copy).

A candidate links, best evidence first, when the two

1. cite the same page and share a name or figure besides;
2. across languages, share ``min_names`` names, ``min_shared`` terms in all and
   ``min_overlap`` of the smaller set of telling terms; within one language, where outlets
   name more of the same things, ``within_shared`` terms and ``within_overlap``;
3. with the encoder, say the same: a cosine above ``semantic`` when they share a term,
   ``semantic_alone`` when none; within one language, where an actor's two events and a
   template's copies read alike, above ``semantic_within`` with ``within_overlap`` of the
   terms shared.

The bars were tuned on the labelled development set with ``bench/eval_linking.py --sweep``
(which prints them); the time window (``link_since``) keeps an actor's events of other weeks
out of reach, and the evaluation replays the set on its dates.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from monitor.reader.crossnames import FIGURE, LINK, NAME, headline_names
from monitor.store.records import PollArticle, TermHit

MIN_TERMS = 3  # an article naming fewer links on names alone to nothing: too little to tell

# The similarity of two stored articles' title and lead (``semantic``), when the optional
# encoder is installed.
Similarity = Callable[[PollArticle, int], float | None]


@dataclass
class _Tally:
    story: int
    language: str | None
    terms: int  # its names and figures
    figures: int
    names: int = 0  # shared names of three classes or more (two: a short, common name)
    shared: int = 0  # shared names and figures
    shared_figures: int = 0
    links: int = 0  # shared cited pages
    names_shared: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Thresholds:
    """The bars a candidate clears to link (defaults: the tuned ones)."""

    min_names: int = 2
    min_shared: int = 3
    min_overlap: float = 0.4
    within_shared: int = 3
    within_overlap: float = 0.7
    semantic: float = 0.55  # cosine of title and lead, across languages, a term shared
    semantic_alone: float = 0.55  # none shared (a newest article found by its vector)
    semantic_within: float = 0.6  # one language, a term shared (it takes one)


DEFAULT = Thresholds()


def tally(item: PollArticle, by_term: dict[str, list[TermHit]]) -> dict[int, _Tally]:
    """Per candidate article, how many of the item's terms it shares, by kind."""
    out: dict[int, _Tally] = {}
    for term in item.terms:
        kind = term[:len(NAME)]
        for story, article, language, terms, figures in by_term.get(term, ()):
            t = out.get(article)
            if t is None:
                t = out[article] = _Tally(story, language, terms, figures)
            if kind == LINK:
                t.links += 1
                continue
            t.shared += 1
            t.names += kind == NAME and len(term) > len(NAME) + 2
            if kind == NAME:
                t.names_shared.add(term)
            t.shared_figures += kind == FIGURE
    return out


def best_link(item: PollArticle, by_term: dict[str, list[TermHit]], *,
              crowded: Collection[str] = (), at: Thresholds | None = None,
              similarity: Similarity | None = None, recent: Iterable[TermHit] = (),
              avoid: Collection[int] = ()) -> int | None:
    """The story the item retells (its id), or None: of the candidates clearing the bars
    (``at``, else ``DEFAULT``), the one with the best evidence. ``recent``: the newest
    articles, candidates by their vectors alone (with ``similarity`` only); ``avoid``: the
    stories of templated other events. The overlap is measured against the item's terms that
    tell something (not ``crowded``: at scale, a common name is on hundreds of stories and a
    retelling shares its rarer names only)."""
    at = at or DEFAULT
    language = item.article.language
    if language is None:
        return None  # maybe any language: no bar is known to hold
    counted = [term for term in item.terms if not term.startswith(LINK)]
    telling = sum(1 for term in counted if term not in crowded)
    figures = sum(1 for term in counted if term.startswith(FIGURE))
    candidates = tally(item, by_term)
    if similarity is not None:
        for story, article, lang, terms, figs in recent:
            candidates.setdefault(article, _Tally(story, lang, terms, figs))
    # Within one language the other report names whom the headline names: "Japan imposes
    # sanctions on Belarusian officials" is not the same about Canada, however alike.
    headline = headline_names(item.article.title, item.terms) - set(crowded)
    best: tuple[float, int] | None = None
    for article, t in candidates.items():
        if t.language is None or t.story in avoid:
            continue
        if t.language == language and not headline <= t.names_shared:
            continue
        if figures and t.figures and not t.shared_figures:
            continue  # both give figures, none the same: a toll, a vote, a date apart
        overlap = t.shared / max(1, min(telling, t.terms))
        score = _evidence(t, t.language != language, overlap, len(counted), at)
        if score is None and similarity is not None and (
                t.language != language or overlap >= at.within_overlap):
            # Within one language the encoder reads a template's copies as one (cosine near
            # 0.8): there it only lowers the bar of the names' count, not of their share.
            score = _said_alike(item, article, t, t.language != language, at, similarity)
        if score is not None and (best is None or score > best[0]):
            best = (score, t.story)
    return best[1] if best else None


def _evidence(t: _Tally, across: bool, overlap: float, terms: int,
              at: Thresholds) -> float | None:
    """The strength of the terms' evidence (a cited page above names), or None: too weak."""
    if t.links and t.shared:
        return 3 + overlap
    if across and terms >= MIN_TERMS and t.names >= at.min_names and (
            t.shared >= at.min_shared and overlap >= at.min_overlap):
        return 2 + overlap
    if not across and t.names and t.shared >= at.within_shared and (
            overlap >= at.within_overlap):
        return 2 + overlap
    return None


def _said_alike(item: PollArticle, article: int, t: _Tally, across: bool, at: Thresholds,
                similarity: Similarity) -> float | None:
    """The cosine of the two titles and leads (the optional encoder's view) when above the
    bar for the terms they share, else None."""
    if not across:
        bar = at.semantic_within if t.shared else None
    else:
        bar = at.semantic if t.shared else at.semantic_alone
    if bar is None:
        return None
    score = similarity(item, article)
    return score if score is not None and score >= bar else None
