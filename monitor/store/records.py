"""Plain records the store hands to the stages (never live ORM sessions)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from monitor.models import Article, Match, NewAlert
from monitor.store.tables import SourceRow


@dataclass(frozen=True)
class SourceInfo:
    """A source as listed to people: its row and how many articles it gave."""

    source: SourceRow
    articles: int


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one source learned, to be written with its articles."""

    status: str  # ok | not_modified | error | rate_limited | gone
    next_check_at: datetime
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    new_url: str | None = None
    title: str | None = None
    disable: str | None = None  # why the source is switched off (e.g. HTTP 410 Gone)
    unhealthy: bool = False
    failing_since: datetime | None = None
    kind: str | None = None  # the kind read from the content, for a source added without one


@dataclass(frozen=True)
class PollAlert:
    """One rule's match on a new article, routed: the targets its deliveries go to."""

    match: Match
    targets: tuple[str, ...]
    once_per_story: bool = True  # a later copy of an alerted story is "also reported by"


@dataclass(frozen=True)
class PollArticle:
    """A new article of a poll, with what is stored beside it."""

    article: Article
    simhash: int | None = None  # unsigned 64 bits; None: too short to compare
    bands: tuple[int, ...] = ()  # the SimHash's band values, band 0 first: the near-dup index
    event_key: str | None = None  # names and figures: a near-duplicate naming others is news
    terms: tuple[str, ...] = ()  # cross-script name skeletons and figures: the language link
    vector: bytes | None = None  # title and lead, from the optional encoder
    dates: tuple[str, ...] = ()  # the days its title and lead name (``reader.textdates``)
    alerts: tuple[PollAlert, ...] = ()


# (story, article, language, its numbers of terms and of figures, the days it names)
TermHit = tuple[int, int, str | None, int, int, str]


@dataclass(frozen=True)
class StoryCandidates:
    """Stored stories that a poll's articles may join, found by exact key or SimHash band."""

    by_hash: dict[str, int]  # content hash -> story id
    by_url: dict[str, int]  # canonical URL -> story id
    # (band, value) -> (story, simhash, event key) of each member article with that band
    by_band: dict[tuple[int, int], list[tuple[int, int, str | None]]]
    # term -> (story, article, language, the article's numbers of terms and of figures, the
    # days it names, space-separated) of recent articles;
    # a term more common than the lookup's cap is ``crowded`` instead: it tells nothing apart
    by_term: dict[str, list[TermHit]] = field(default_factory=dict)
    crowded: set[str] = field(default_factory=set)
    vectors: dict[int, bytes] = field(default_factory=dict)  # article -> its stored vector
    # The newest articles with vectors, as term hits that share no term: candidates by what
    # they say alone (read only when the poll's articles have vectors)
    recent: list[TermHit] = field(default_factory=list)


@dataclass(frozen=True)
class StoryDecisions:
    """Per article of a poll, the story it joins: a stored story's id, or ``-1 - n`` to join
    article ``n`` of this poll (itself: a story of its own); and the stored stories found to
    tell one event, each merged into the older (``merges``: absorbed -> kept)."""

    joins: list[int]
    merges: dict[int, int] = field(default_factory=dict)


class SavedPoll(list[NewAlert]):
    """The alerts a saved poll made (to deliver), and the stored stories it merged
    (``merged``: absorbed -> kept)."""

    def __init__(self, alerts: Iterable[NewAlert] = ()) -> None:
        super().__init__(alerts)
        self.merged: dict[int, int] = {}


PayloadBuilder = Callable[[Match, Article, int, str, datetime], dict[str, Any]]


@dataclass(frozen=True)
class BreakingRule:
    """A rule that alerts on its breaking stories: at least ``min_sources`` distinct sources
    within ``window`` and at least ``factor`` times the median number of sources of its
    stories alerted within ``baseline``; the alert goes to ``targets``."""

    rule_id: str
    rule_name: str
    severity: str
    min_sources: int
    window: timedelta
    factor: float
    baseline: timedelta
    targets: tuple[str, ...]


@dataclass(frozen=True)
class StorySource:
    """A source that reported a story, with the languages it reported it in."""

    source_id: int
    name: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class BreakingStory:
    """What the store found about a story that may be breaking for ``rule``."""

    rule: BreakingRule
    story_id: int
    lead: Article  # the story's first article
    lead_source: str
    first_seen: datetime
    articles: int
    in_window: int  # distinct sources within the rule's window
    median: float  # distinct sources per story of the rule over its baseline
    baselined: int  # how many stories that median is taken over
    sources: tuple[StorySource, ...] = ()  # filled once the story is found breaking


BreakingPayload = Callable[[BreakingStory, datetime], dict[str, Any]]


@dataclass(frozen=True)
class PollPlan:
    """A poll's new articles and the decisions the store asks for inside the poll's one
    transaction, as callables: the store runs them without knowing (or importing) the domain.

    ``stories(candidates)`` gives, per article, the stored story it joins (a positive id) or
    ``-1 - n`` to join article ``n`` of this poll (itself: a story of its own), and the stored
    stories to merge (``StoryDecisions``).
    ``payload(match, article, article_id, source, now)`` is an alert's frozen body.
    ``copy_of(alert, earlier)`` gets the story's earlier alert of the same rule (when the
    article joined an earlier story and one exists) and gives the alert to record the article
    under as "also reported by", or None to alert.
    """

    articles: Sequence[PollArticle]
    since: datetime  # band index entries older than this are no candidates
    stories: Callable[[StoryCandidates], StoryDecisions]
    payload: PayloadBuilder
    copy_of: Callable[[PollAlert, int | None], int | None]
    # Rules that alert on breaking stories, by id; ``breaks(story)`` decides, with the facts
    # of a story one of them alerted on, when a new article joins it.
    breaking: Mapping[str, BreakingRule] = field(default_factory=dict)
    breaks: Callable[[BreakingStory], bool] = lambda _story: False
    breaking_payload: BreakingPayload | None = None
    link_since: datetime | None = None  # term index entries older: no candidates (None: off)
    # The source is one publisher's: its own earlier articles are no candidates by URL or
    # as retellings (a folder of files from anywhere is not).
    one_publisher: bool = True


@dataclass(frozen=True)
class OutboxItem:
    """A due delivery with what is needed to send it."""

    delivery_id: int
    alert_id: int
    target: str
    webhook_id: str
    payload: str
    attempts: int
    created_at: datetime
    kind: str = "alert"  # alert | digest
    horizon_start: datetime | None = None  # the retry horizon counts from here


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt, as the outbox records it."""

    delivery_id: int
    outcome: str  # delivered | failed | dead
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


def dedupe_key(article: Article) -> str:
    """The per-source identity of an article: its GUID, else its URL, else its content."""
    key = article.guid or article.url or article.content_hash
    # Long GUIDs (some feeds use whole URLs with queries) are hashed to fit the column.
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()
