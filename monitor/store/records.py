"""Plain records the store hands to the stages (never live ORM sessions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from monitor.models import Article
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
