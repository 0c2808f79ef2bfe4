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
3. with the encoder, say the same: the best cosine of the article with any member of the
   candidate's story (a story grows, and becomes easier to join), across languages raised by
   ``term_weight`` per name or figure the story shares with it, above ``semantic`` when they
   share a term, ``semantic_alone`` when none; within one language, where an actor's two
   events and a template's copies read alike, above ``semantic_within`` with
   ``within_overlap`` of the terms shared. A story some of whose members give figures, none
   of them the article's, is no candidate of the encoder's.

The bars were tuned on the labelled development set with ``bench/eval_linking.py --sweep``
(which prints them); the time window (``link_since``) keeps an actor's events of other weeks
out of reach, and the evaluation replays the set on its dates.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from monitor.reader import textdates
from monitor.reader.crossnames import DATE, FIGURE, LINK, NAME, headline_names
from monitor.store.records import PollArticle, TermHit

MIN_TERMS = 3  # an article naming fewer links on names alone to nothing: too little to tell

# The similarity of two stored articles' title and lead (``semantic``), when the optional
# encoder is installed.
Similarity = Callable[[PollArticle, int], float | None]


@dataclass
class _Tally:
    """What a candidate story's members in one language class (the item's, or others)
    share with the item, together."""

    story: int
    terms: int = 0  # the most names and figures of one member
    shared: set[str] = field(default_factory=set)  # names and figures
    links: int = 0  # shared cited pages
    members: set[int] = field(default_factory=set)
    # Per member sharing terms: (shared, that member's names and figures)
    shares: list[tuple[int, int]] = field(default_factory=list)

    @property
    def names(self) -> int:
        """Shared names of three classes or more (two: a short, common name)."""
        return sum(1 for t in self.shared if t.startswith(NAME) and len(t) > len(NAME) + 2)

    @property
    def shared_figures(self) -> int:
        return sum(1 for t in self.shared if t.startswith(FIGURE))

    def add(self, article: int, terms: int) -> None:
        if article not in self.members:
            self.members.add(article)
            self.terms = max(self.terms, terms)


@dataclass(frozen=True)
class Thresholds:
    """The bars a candidate clears to link (defaults: the tuned ones)."""

    min_names: int = 3  # two meet by chance in a real stream (``bench/replay_feeds.py``)
    min_shared: int = 3
    min_overlap: float = 0.4
    within_shared: int = 3
    within_overlap: float = 0.7
    semantic: float = 0.55  # cosine of title and lead, across languages, a term shared
    semantic_alone: float = 0.55  # none shared (a newest article found by its vector)
    semantic_within: float = 0.6  # one language, a term shared (it takes one)
    # Across languages, added to the cosine per name or figure shared (four at most): the
    # encoder and the terms are two views, each short of the bar alone.
    term_weight: float = 0.05
    # The most days apart the days an article names and those its candidate story names may
    # be (None: dates are no veto).
    date_gap: int | None = 3
    # An article clearing the bars of several stories merges them (``stories.StoryIndex``)
    # when its evidence for each is a page it cites with the story (a terms' score above
    # this: 2 plus the overlap for names and figures, at most 3; 3 plus it for a cited page)
    # or the encoder's ...
    merge_terms: float = 3.0
    # ... and, for the encoder's, a member of one story reads like a member of the other at
    # least this much: an article between two events of a busy day reads like both, the
    # events' own reports less so.
    merge_semantic: float = 0.7


DEFAULT = Thresholds()


def tally(item: PollArticle, by_term: dict[str, list[TermHit]], recent: Iterable[TermHit] = (),
          by_story: bool = True, gap: int | None = None) -> dict[tuple[int, bool], _Tally]:
    """Per candidate story (``by_story``, else article) and language class (the item's: True),
    what its members share with the item; ``recent``: candidates by their vectors alone;
    ``gap``: the most days apart the item's dates and a story's may be."""
    language = item.article.language
    out: dict[tuple[int, bool], _Tally] = {}

    def get(story: int, article: int, lang: str | None, terms: int, _figures: int, _dates: str
            ) -> _Tally | None:
        if lang is None:
            return None
        key = (story if by_story else article, lang == language)
        t = out.get(key)
        if t is None:
            t = out[key] = _Tally(story)
        t.add(article, terms)
        return t

    # Per member first: a member whose figures all clash with the item's tells another
    # event (a toll, a vote, a round apart) and lends the story none of its terms.
    mine = any(term.startswith(FIGURE) and not term.startswith(DATE) for term in item.terms)
    per: dict[int, tuple[TermHit, set[str], int]] = {}
    for term in item.terms:
        for hit in by_term.get(term, ()):
            entry = per.setdefault(hit[1], (hit, set(), 0))
            if term.startswith(LINK):
                per[hit[1]] = (hit, entry[1], entry[2] + 1)
            else:
                entry[1].add(term)
    clash: set[int] = set()
    dates = item.dates if gap is not None else ()
    for hit, shared, links in per.values():
        if _far(dates, hit[5].split(), gap or 0):  # another day: lends the story nothing
            continue
        if mine and hit[4] and not any(x.startswith(FIGURE) for x in shared):
            clash.add(hit[0])
            continue
        t = get(*hit)
        if t is not None:
            t.shared |= shared
            t.links += links
            t.shares.append((len(shared), hit[3]))
    for hit in recent:
        if hit[1] not in per and not _far(dates, hit[5].split(), gap or 0):
            if mine and hit[4]:  # figures on both sides, none shared
                clash.add(hit[0])
            else:
                get(*hit)
    if by_story:
        # A story whose members give figures other than the item's, and never one of them, is
        # another round, toll or day of the same actors (told once without figures).
        agree = {key[0] for key, t in out.items() if t.shared_figures}
        out = {key: t for key, t in out.items() if key[0] not in clash or key[0] in agree}
    if dates:
        # An article and a story, as two articles: a story whose members name days, none
        # near the item's, tells another event, whichever member the item shares most with.
        named: dict[int, set[str]] = {}
        for hit in [hit for hit, _shared, _links in per.values()] + list(recent):
            named.setdefault(hit[0], set()).update(hit[5].split())
        out = {key: t for key, t in out.items()
               if not _far(dates, named.get(t.story, ()), gap or 0)}
    return out


def _far(dates: Collection[str], other: Collection[str], gap: int) -> bool:
    """Whether both name days, none within ``gap`` days of one of the other's: another event
    of the same actors (the martial law of the 3rd, the impeachment of the 14th)."""
    return bool(dates and other) and all(
        textdates.days_apart(a, b) > gap for a in dates for b in other)


class Links(dict[int, float]):
    """The stories an article could retell, each with its best evidence's strength (the
    encoder's scores are below 2, the terms' from 2); ``alike``: those the encoder cleared
    (whatever their terms scored)."""

    def __init__(self) -> None:
        super().__init__()
        self.alike: set[int] = set()


def strongest(found: dict[int, float]) -> int | None:
    """Of the stories ``links`` found, the one with the best evidence (the first on a tie),
    or None."""
    return max(found, key=found.__getitem__) if found else None


def links(item: PollArticle, by_term: dict[str, list[TermHit]], *,
          crowded: Collection[str] = (), at: Thresholds | None = None,
          similarity: Similarity | None = None, recent: Iterable[TermHit] = (),
          avoid: Collection[int] = ()) -> Links:
    """Every story the item could retell, with its evidence's strength: the candidates
    clearing the bars (``at``, else ``DEFAULT``). ``recent``: the newest articles, candidates
    by their vectors alone (with ``similarity`` only); ``avoid``: the stories of templated
    other events. The overlap is measured against the item's terms that tell something (not
    ``crowded``: at scale, a common name is on hundreds of stories and a retelling shares its
    rarer names only)."""
    at = at or DEFAULT
    language = item.article.language
    if language is None:
        return Links()
    counted = [term for term in item.terms if not term.startswith(LINK)]
    telling = sum(1 for term in counted if term not in crowded)
    # Within one language the other report names whom the headline names: "Japan imposes
    # sanctions on Belarusian officials" is not the same about Canada, however alike.
    headline = headline_names(item.article.title, item.terms) - set(crowded)
    found = Links()

    def keep(story: int, score: float | None) -> None:
        if score is not None and score > found.get(story, -1.0):
            found[story] = score
    # Terms link one article to another: what several members of a story share with the item
    # together is often no more than a country and its capital, common to all its news.
    for (_key, same), t in tally(item, by_term, by_story=False, gap=at.date_gap).items():
        if t.story not in avoid and (not same or headline <= t.shared):
            keep(t.story, _evidence(t, not same, _overlap(t, telling), len(counted), at))
    if similarity is None:
        return found
    # The encoder compares the item with every member of a story whose vector is read: a
    # story grows and becomes easier to join, in more languages. Within one language it reads
    # a template's copies as one (cosine near 0.8): there the terms' share must hold too.
    for (_key, same), t in tally(item, by_term, recent, gap=at.date_gap).items():
        if t.story in avoid or (same and not headline <= t.shared):
            continue
        if same and _overlap(t, telling) < at.within_overlap:
            continue
        score = _said_alike(item, t, not same, at, similarity)
        if score is not None:
            found.alike.add(t.story)
        keep(t.story, score)
    return found


def days_apart(one: Collection[str], other: Collection[str], at: Thresholds | None = None
               ) -> bool:
    """Whether two stories (or articles) name days, none near one of the other's: two
    events, however alike they read."""
    at = at or DEFAULT
    return at.date_gap is not None and _far(one, other, at.date_gap)


def cited(score: float, at: Thresholds | None = None) -> bool:
    """Whether the terms' evidence of this strength (``links``' score) is a page both cite:
    enough, with the encoder's or alone, to merge the story into another."""
    at = at or DEFAULT
    return score > at.merge_terms


def _overlap(t: _Tally, telling: int) -> float:
    """The share of the item's telling terms that the candidate shares: of its terms together,
    or of one member's, whichever is higher."""
    whole = len(t.shared) / max(1, min(telling, t.terms))
    return min(1.0, max([whole] + [n / max(1, min(telling, terms)) for n, terms in t.shares]))


def _evidence(t: _Tally, across: bool, overlap: float, terms: int,
              at: Thresholds) -> float | None:
    """The strength of the terms' evidence (a cited page above names), or None: too weak."""
    shared = len(t.shared)
    if t.links and shared:
        return 3 + overlap
    if across and terms >= MIN_TERMS and t.names >= at.min_names and (
            shared >= at.min_shared and overlap >= at.min_overlap):
        return 2 + overlap
    if not across and t.names and shared >= at.within_shared and (
            overlap >= at.within_overlap):
        return 2 + overlap
    return None


def _said_alike(item: PollArticle, t: _Tally, across: bool, at: Thresholds,
                similarity: Similarity) -> float | None:
    """The best cosine of the item's title and lead with a member's (the optional encoder's
    view), across languages raised by the terms shared, when above the bar, else None."""
    shared = len(t.shared)
    if not across:
        bar = at.semantic_within if shared else None
    else:
        bar = at.semantic if shared else at.semantic_alone
    if bar is None:
        return None
    scores = [s for s in (similarity(item, a) for a in t.members) if s is not None]
    if not scores:
        return None
    score = max(scores) + (at.term_weight * min(4, t.names + t.shared_figures) if across else 0)
    return score if score >= bar else None
