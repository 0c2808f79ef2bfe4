"""Story linking: whether an article retells, in another language, the event
of a recent story, on evidence that reads the same in every language.

The evidence is the article's terms (``crossnames.link_terms``: the skeletons of the names it
gives and the figures of its title and lead). A candidate is an article found through the term
index (``store.storyterms``) sharing at least one term that is not crowded (a term on more
recent articles than the lookup's cap names too much to tell events apart). A candidate links
when the two share ``MIN_NAMES`` names, ``MIN_SHARED`` terms in all and ``MIN_OVERLAP`` of the
smaller set of telling terms, and do not both give figures without one in common (a toll, a
vote, a package's number apart): two reports of one event name the same people, places and
figures; an actor's two events differ in whom else they name and in their figures.

Within one language (or when either language is unknown) nothing links on names alone:
there a retelling is a near-duplicate (``simhash``) or news of its own, and the labelled set
folded distinct same-language events (two rounds of talks by the same envoys) at every bar
that linked anything. The bars were
tuned for precision on the labelled development set with ``bench/eval_linking.py`` (which
prints them); with the optional encoder (``semantic``), a candidate sharing fewer terms links
when the two titles and leads say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from monitor.reader.crossnames import NAME
from monitor.store.records import PollArticle, TermHit

MIN_TERMS = 3  # an article naming fewer is not linked: too little to tell its event
MIN_NAMES = 2
MIN_SHARED = 4
MIN_OVERLAP = 0.6  # shared terms over the smaller article's telling terms

# The similarity of two stored articles' title and lead (``semantic``), when the optional
# encoder is installed: it lowers the bar of the names, never replaces them.
Similarity = Callable[[PollArticle, int], float | None]


@dataclass
class _Tally:
    story: int
    language: str | None
    terms: int
    figures: int
    names: int = 0  # shared names of three classes or more (two: a short, common name)
    shared: int = 0
    shared_figures: int = 0


@dataclass(frozen=True)
class Thresholds:
    """The bars a candidate clears to link (defaults: the module's tuned constants)."""

    min_names: int = MIN_NAMES
    min_shared: int = MIN_SHARED
    min_overlap: float = MIN_OVERLAP
    semantic: float = 0.6  # cosine of title and lead above which fewer shared terms do
    semantic_shared: int = 1
    semantic_overlap: float = 0.4


DEFAULT = Thresholds()


def tally(item: PollArticle, by_term: dict[str, list[TermHit]]) -> dict[int, _Tally]:
    """Per candidate article, how many of the item's terms it shares (names apart)."""
    out: dict[int, _Tally] = {}
    for term in item.terms:
        name = term.startswith(NAME)
        for story, article, language, terms, figures in by_term.get(term, ()):
            t = out.get(article)
            if t is None:
                t = out[article] = _Tally(story, language, terms, figures)
            t.shared += 1
            t.names += name and len(term) > len(NAME) + 2
            t.shared_figures += not name
    return out


def best_link(item: PollArticle, by_term: dict[str, list[TermHit]], *,
              crowded: Collection[str] = (), at: Thresholds | None = None,
              similarity: Similarity | None = None) -> int | None:
    """The story the item retells (its id), or None: the candidate clearing the bars
    (``at``, else ``DEFAULT``) with the largest overlap. The overlap is measured against the
    item's terms that tell something (not ``crowded``: at scale, a common name is on
    hundreds of stories and a retelling shares its rarer names only)."""
    at = at or DEFAULT
    telling = sum(1 for term in item.terms if term not in crowded)
    if len(item.terms) < MIN_TERMS or item.article.language is None:
        return None
    figures = sum(1 for term in item.terms if not term.startswith(NAME))
    best: tuple[float, int] | None = None
    for article, t in tally(item, by_term).items():
        if t.language is None or t.language == item.article.language:
            continue  # one language (or an unknown one, maybe the same): near-duplicates only
        if figures and t.figures and not t.shared_figures:
            continue  # both give figures, none the same: a toll, a vote, a date apart
        overlap = t.shared / max(1, min(telling, t.terms))
        if not _links(t, overlap, at) and (
                similarity is None or not _close(item, article, t, overlap, at, similarity)):
            continue
        if best is None or overlap > best[0]:
            best = (overlap, t.story)
    return best[1] if best else None


def _links(t: _Tally, overlap: float, at: Thresholds) -> bool:
    return t.names >= at.min_names and t.shared >= at.min_shared and overlap >= at.min_overlap


def _close(item: PollArticle, article: int, t: _Tally, overlap: float, at: Thresholds,
           similarity: Similarity) -> bool:
    """Fewer shared names, but the two say the same thing (the optional encoder's view)."""
    if t.names < 1 or t.shared < at.semantic_shared or overlap < at.semantic_overlap:
        return False
    score = similarity(item, article)
    return score is not None and score >= at.semantic
