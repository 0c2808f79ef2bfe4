"""Stories: which story each new article joins, and what a match on it becomes.

One story is alerted once: an article joins the story of an earlier one with the same content
hash, or the same canonical URL from another source (the page syndicated; one publisher's
items under one link, a microblog's day, are items of their own; a home page is no article's),
or with a SimHash within ``simhash.MAX_DISTANCE`` bits found through the banded index (recent
window only: bounded) whose event key does not name another event (``eventkeys.distinct``:
templated wire copy about Japan is a few bits from the same about Canada, and must alert on
its own), or else the story of another source's article it retells, in its language or
another (``linking``: the same names, across scripts, and figures, found through the term
index; one publisher's posts name the same things, not the same event: a folder of files
from anywhere is no publisher). A rule that already
alerted on the story records the later copy as "also reported by" instead of alerting again,
unless it alerts on every copy (``alert_per_story`` off). The store finds the candidate
stories and writes the rows; the decisions are made here, handed to it as a ``PollPlan``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from monitor.models import Article, Match
from monitor.reader import (
    breaking,
    crossnames,
    eventkeys,
    linking,
    semantic,
    simhash,
    textdates,
)
from monitor.store.records import (
    BreakingPayload,
    BreakingRule,
    PayloadBuilder,
    PollAlert,
    PollArticle,
    PollPlan,
    StoryCandidates,
    StoryDecisions,
    TermHit,
)
from monitor.store.storyterms import counts

# The targets a rule's ``notify:`` field picks among the configured ones (delivery's choice,
# handed in by the composition root).
Route = Callable[[Sequence[str], Sequence[str]], list[str]]


class StoryIndex:
    """What a poll knows about stories: exact keys and band index hits, growing as it plans."""

    def __init__(self, candidates: StoryCandidates, one_publisher: bool = True) -> None:
        self.one_publisher = one_publisher
        self.by_hash = dict(candidates.by_hash)
        self.by_url = dict(candidates.by_url)
        self.by_band = {key: list(hits) for key, hits in candidates.by_band.items()}
        self.by_term: dict[str, list[TermHit]] = {
            term: list(hits) for term, hits in candidates.by_term.items()}
        self.crowded = set(candidates.crowded)
        self.vectors = dict(candidates.vectors)  # article (this poll's: -1 - n) -> vector
        self.recent = list(candidates.recent)
        # The known vectors as one float32 matrix (rebuilt when the poll adds one), and the
        # last item's cosines against them.
        self._matrix: tuple[list[int], Any] | None = None
        self._scored: tuple[bytes, dict[int, float]] | None = None
        # Stories found to tell one event, each to the one it was merged into (the index
        # keeps naming the absorbed: ``kept`` follows the chain).
        self.merged: dict[int, int] = {}

    def kept(self, story: int) -> int:
        """The story a story was merged into (itself when it was not)."""
        while story in self.merged:
            story = self.merged[story]
        return story

    def find(self, item: PollArticle) -> int | None:
        """The story of an exact copy, else of the nearest near-duplicate, else of the
        article it retells (merging the other stories it retells into the oldest), else
        None."""
        article = item.article
        story = self.by_hash.get(article.content_hash)
        if story is None and article.url and not _home_page(article.url):
            story = self.by_url.get(article.url)
        templated: set[int] = set()
        if story is None:
            story = self._near(item, templated)
        if story is not None:
            return self.kept(story)
        found = linking.links(item, self.by_term, crowded=self.crowded,
                              similarity=self.similarity if item.vector else None,
                              recent=self.recent, avoid=templated)
        avoid = {self.kept(s) for s in templated}
        best = linking.strongest(found)
        if best is None or self.kept(best) in avoid:
            return None
        # An article that retells two stories shows they tell one event (reports of it that
        # read too little alike to join, in one language or across, until this one came):
        # they become one, the oldest (a stored story before this poll's, the lowest id).
        chosen = self.kept(best)
        # Merge-grade evidence, for the chosen story as for each other: a page cited by both,
        # or the encoder's (checked against the two stories' own members below).
        cites = {self.kept(s) for s, score in found.items() if linking.cited(score)}
        strong = cites | {self.kept(s) for s in found.alike}
        stories = {chosen}
        if chosen in strong and (others := strong - avoid - {chosen}):
            days, members = self._members({chosen, *others})
            stories |= {s for s in others if self._one_event(
                days, members, chosen, s, by_vectors=not cites >= {chosen, s})}
        stored = [s for s in stories if s >= 0]
        keep = min(stored) if stored else max(stories)
        for other in stories - {keep}:
            self.merged[other] = keep
        return keep

    def _members(self, stories: set[int]) -> tuple[dict[int, set[str]], dict[int, set[int]]]:
        """Per story, the days its members found name and those members with vectors: read
        in one pass over the hits, only when an article retells two stories (rarely)."""
        days: dict[int, set[str]] = {story: set() for story in stories}
        members: dict[int, set[int]] = {story: set() for story in stories}
        for hit in [*(h for hits in self.by_term.values() for h in hits), *self.recent]:
            story = self.kept(hit[0])
            if story in days:
                days[story].update(hit[5].split())
                if hit[1] in self.vectors:
                    members[story].add(hit[1])
        return days, members

    def _one_event(self, days: dict[int, set[str]], members: dict[int, set[int]], one: int,
                   other: int, by_vectors: bool) -> bool:
        """Whether two stories an article retells may be merged: they name no days far
        apart (two events, whatever an article shares with both), and, when the merge rests
        on the encoder (``by_vectors``), a member of each reads like one of the other (an
        article between two events of a busy day reads like both, their own reports less
        so; no vectors to compare, no merge)."""
        if linking.days_apart(days[one], days[other]):
            return False
        if not by_vectors:
            return True
        if not (members[one] and members[other]):
            return False
        a = semantic.matrix([self.vectors[i] for i in sorted(members[one])])
        b = semantic.matrix([self.vectors[i] for i in sorted(members[other])])
        return bool((a @ b.T).max() >= linking.DEFAULT.merge_semantic)

    def similarity(self, item: PollArticle, article: int) -> float | None:
        """The cosine of the item's and a candidate article's title and lead, if both have
        vectors: the item's against every known vector in one product (an item meets
        hundreds of the newest), decoded once a poll."""
        if item.vector is None or article not in self.vectors:
            return None
        if self._scored is None or self._scored[0] is not item.vector:
            if self._matrix is None:
                ids = list(self.vectors)
                self._matrix = (ids, semantic.matrix([self.vectors[i] for i in ids]))
            ids, matrix = self._matrix
            scores = matrix @ semantic.decode(item.vector)
            self._scored = (item.vector, dict(zip(ids, scores.tolist(), strict=True)))
        return self._scored[1].get(article)

    def _near(self, item: PollArticle, templated: set[int]) -> int | None:
        """The story of the nearest near-duplicate; ``templated`` gets the stories of the
        near-copies that name another event (no weaker evidence may fold them)."""
        h = item.simhash
        if h is None:
            return None
        best: tuple[int, int] | None = None
        for band, value in enumerate(item.bands):
            for story_id, other, key in self.by_band.get((band, value), ()):
                d = simhash.distance(h, other)
                if d > simhash.MAX_DISTANCE:
                    continue
                if eventkeys.distinct(item.event_key, key):
                    templated.add(story_id)
                elif best is None or d < best[0]:
                    best = (d, story_id)
        return best[1] if best else None

    def add(self, item: PollArticle, story_id: int, n: int) -> None:
        """Index article ``n`` of this poll as a member of ``story_id``: for its copies; by
        URL and as a retelling too when the poll's articles are not one publisher's (a
        folder of files from anywhere, see above)."""
        self.by_hash.setdefault(item.article.content_hash, story_id)
        if item.simhash is not None:
            for band, value in enumerate(item.bands):
                self.by_band.setdefault((band, value), []).append(
                    (story_id, item.simhash, item.event_key))
        if self.one_publisher:
            return
        if item.article.url:
            self.by_url.setdefault(item.article.url, story_id)
        terms, figures = counts(item.terms)
        hit = (story_id, -1 - n, item.article.language, terms, figures, " ".join(item.dates))
        if item.vector is not None:
            self.vectors[-1 - n] = item.vector
            self.recent.append(hit)
            self._matrix = self._scored = None
        for term in item.terms:
            if term not in self.crowded:
                self.by_term.setdefault(term, []).append(hit)


def plan_stories(items: Sequence[PollArticle], candidates: StoryCandidates,
                 one_publisher: bool = True) -> StoryDecisions:
    """Per article, the stored story it joins (its id), or ``-1 - n`` for the story of
    article ``n`` of this same poll (``n`` itself: a new story); and the stored stories that
    an article showed to be one (merged into the oldest). ``one_publisher``: the poll's
    articles are one publisher's, no retellings of each other."""
    index = StoryIndex(candidates, one_publisher)
    planned: list[int] = []
    for n, item in enumerate(items):
        story = index.find(item)
        if story is None:
            story = -1 - n
        index.add(item, story, n)
        planned.append(story)
    merges = {story: index.kept(story) for story in index.merged if story >= 0}
    return StoryDecisions([index.kept(story) for story in planned], merges)


def copy_of(alert: PollAlert, earlier: int | None) -> int | None:
    """The alert a match is recorded under as "also reported by" (``earlier``, the story's
    alert of the same rule), or None to alert: a rule alerts once per story unless told not."""
    return earlier if alert.once_per_story else None


def poll_article(article: Article, matches: Iterable[Match], *, targets: Sequence[str],
                 route: Route, per_story: Callable[[str], bool]) -> PollArticle:
    """A new article with its SimHash, event key, link terms, the days it names and matches
    routed to their targets."""
    h = simhash.text_simhash(article.title, article.body)
    alerts = tuple(PollAlert(m, tuple(route(targets, m.notify)), per_story(m.rule_id))
                   for m in matches)
    key = eventkeys.event_key(article.title, article.body)
    dates = tuple(sorted(textdates.read_dates(
        f"{article.title}\n{article.body[:eventkeys.LEAD]}", article.language)))
    return PollArticle(article, h, tuple(simhash.bands(h)) if h is not None else (),
                       event_key=key if h is not None else None, alerts=alerts,
                       terms=crossnames.link_terms(article.title, article.body, key,
                                                   article.links, dates),
                       dates=dates)


def plan_poll(found: Iterable[tuple[Article, Iterable[Match]]], *, targets: Sequence[str],
              route: Route, payload: PayloadBuilder, since: datetime,
              per_story: Callable[[str], bool] = lambda _rule: True,
              watch: Mapping[str, BreakingRule] | None = None,
              breaking_payload: BreakingPayload | None = None,
              link_since: datetime | None = None, vectors: bool = False,
              one_publisher: bool = True) -> PollPlan:
    """What the store writes of a poll's new articles and their matches, and how.

    ``since``: the start of the story window (older band entries are no candidates);
    ``per_story(rule_id)``: whether the rule alerts once per story (default: yes);
    ``watch``: the rules that alert on their breaking stories (``reader.breaking``), whose
    alert body ``breaking_payload`` makes; ``link_since``: the start of the window of
    retellings in other languages (``linking``; None: near-duplicates only); ``vectors``:
    the articles' title and lead are embedded too (``semantic``, when its encoder is
    installed), one batch per poll; ``one_publisher``: the source is one publisher's (not
    a folder of files from anywhere): its own earlier articles, and its items under one
    link, are no retellings or copies of each other.
    """
    items = [poll_article(a, matches, targets=targets, route=route, per_story=per_story)
             for a, matches in found]
    if vectors and link_since is not None and items:
        embedded = semantic.vectors([(i.article.title, i.article.body) for i in items])
        items = [dataclasses.replace(i, vector=v) for i, v in zip(items, embedded, strict=True)]
    return PollPlan(items, since, functools.partial(plan_stories, items,
                                                    one_publisher=one_publisher),
                    payload, copy_of, breaking=dict(watch or {}), breaks=breaking.breaks,
                    breaking_payload=breaking_payload, link_since=link_since,
                    one_publisher=one_publisher)


def per_story_of(rules: Iterable[object], default: bool) -> Callable[[str], bool]:
    """Whether each rule alerts once per story: its own ``alert_per_story`` where it says,
    otherwise ``default`` (the setting)."""
    own = {str(getattr(r, "id", "")): bool(getattr(r, "alert_per_story", True))
           for r in rules if getattr(r, "alert_per_story", None) is not None}
    return lambda rule_id: own.get(rule_id, default)


def _home_page(url: str) -> bool:
    """Whether an item's link is a site's home page (a podcast's, a blog's): not the page
    of one article, so no identity of it."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query
