"""Retention queries: job leases in ``meta`` and batched deletion of old data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete
from sqlmodel import col, select

from monitor.store.stories import StoryQueries
from monitor.store.storytables import StoryBandRow, StoryTermRow, StoryVectorRow
from monitor.store.tables import (
    AlertCopyRow,
    AlertRow,
    ArticleRow,
    DeliveryAttemptRow,
    DeliveryRow,
    TriageRow,
)

LEASE_PREFIX = "lease."


@dataclass(frozen=True)
class PruneCounts:
    """What one batch (or a whole prune) deleted."""

    articles: int = 0
    alerts: int = 0
    deliveries: int = 0
    attempts: int = 0

    def __add__(self, other: PruneCounts) -> PruneCounts:
        return PruneCounts(self.articles + other.articles, self.alerts + other.alerts,
                           self.deliveries + other.deliveries, self.attempts + other.attempts)


class RetentionQueries(StoryQueries):
    def try_job_lease(self, job: str, *, worker: str, now: datetime, ttl: timedelta) -> bool:
        """Take (or renew) the lease on a cluster-wide job; False while another worker holds it.

        A lease row in ``meta`` rather than a PostgreSQL advisory lock: it works on SQLite too
        and survives no process, so a worker killed mid-job hands the job on when it expires.
        """
        won = False

        def change(old: str | None) -> str | None:
            nonlocal won
            holder = _lease(old)
            if holder and holder[0] != worker and holder[1] > now:
                return None
            won = True
            return json.dumps({"owner": worker, "until": (now + ttl).isoformat()})

        self.update_meta(LEASE_PREFIX + job, change)
        return won

    def release_job_lease(self, job: str, *, worker: str) -> None:
        def change(old: str | None) -> str | None:
            holder = _lease(old)
            return json.dumps({}) if holder and holder[0] == worker else None

        self.update_meta(LEASE_PREFIX + job, change)

    def prune_batch(self, cutoff: datetime, *, batch: int = 500) -> PruneCounts:
        """Delete up to ``batch`` articles fetched before ``cutoff``, with their alerts,
        deliveries and attempts, in one transaction; an article whose alert still has a pending
        delivery stays (the receiver has not had it yet)."""
        pending_articles = (select(AlertRow.article_id)
                            .join(DeliveryRow, col(DeliveryRow.alert_id) == col(AlertRow.id))
                            .where(DeliveryRow.status == "pending"))
        with self.session() as s:
            ids = list(s.exec(
                select(ArticleRow.id).where(col(ArticleRow.fetched_at) < cutoff,
                                            col(ArticleRow.id).not_in(pending_articles))
                .order_by(col(ArticleRow.id)).limit(batch)))
            if not ids:
                return PruneCounts()
            self.lock_stories_of(s.connection(), ids)
            # The pending check is repeated in every statement: a delivery created since the
            # ids were read must keep its article.
            keep = col(AlertRow.article_id).not_in(pending_articles)
            alert_ids = select(AlertRow.id).where(col(AlertRow.article_id).in_(ids), keep)
            delivery_ids = select(DeliveryRow.id).where(col(DeliveryRow.alert_id).in_(alert_ids))
            attempts = _count(s.execute(delete(DeliveryAttemptRow).where(
                col(DeliveryAttemptRow.delivery_id).in_(delivery_ids))))
            deliveries = _count(s.execute(delete(DeliveryRow).where(
                col(DeliveryRow.alert_id).in_(alert_ids))))
            s.execute(delete(AlertCopyRow).where(col(AlertCopyRow.alert_id).in_(alert_ids)))
            s.execute(delete(TriageRow).where(col(TriageRow.alert_id).in_(alert_ids)))
            alerts = _count(s.execute(delete(AlertRow).where(
                col(AlertRow.article_id).in_(ids), keep)))
            doomed = select(ArticleRow.id).where(
                col(ArticleRow.id).in_(ids), col(ArticleRow.id).not_in(pending_articles),
                col(ArticleRow.id).not_in(select(AlertRow.article_id)))
            # Story bookkeeping goes with its article: the copy lists, near-duplicate bands and
            # the story's row (recounted, or gone with its last article).
            stories = set(s.exec(select(ArticleRow.story_id).where(
                col(ArticleRow.id).in_(doomed), col(ArticleRow.story_id).is_not(None))))
            s.execute(delete(AlertCopyRow).where(col(AlertCopyRow.article_id).in_(doomed)))
            s.execute(delete(StoryBandRow).where(col(StoryBandRow.article_id).in_(doomed)))
            s.execute(delete(StoryTermRow).where(col(StoryTermRow.article_id).in_(doomed)))
            s.execute(delete(StoryVectorRow).where(
                col(StoryVectorRow.article_id).in_(doomed)))
            articles = _count(s.execute(delete(ArticleRow).where(col(ArticleRow.id).in_(doomed))))
            self.recount_stories(s.connection(), (i for i in stories if i is not None))
            return PruneCounts(articles, alerts, deliveries, attempts)


def _count(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def _lease(value: str | None) -> tuple[str, datetime] | None:
    """The holder of a lease value, or None when it is free (missing, released or unreadable)."""
    try:
        data = json.loads(value or "{}")
        return str(data["owner"]), datetime.fromisoformat(data["until"])
    except (ValueError, KeyError, TypeError):
        return None
