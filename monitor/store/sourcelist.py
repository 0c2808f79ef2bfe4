"""Sources as people list and change them: pages with article counts (keyset by id), pause
and resume, removal with everything they brought, and a lease to poll one now.

Functions over a ``Store`` rather than a mixin (as in the store's other read models), so they
add no method to the shared class.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_
from sqlmodel import col, select

from monitor.store.records import SourceInfo
from monitor.store.sql import Store
from monitor.store.storytables import StoryBandRow, StoryTermRow, StoryVectorRow
from monitor.store.tables import (
    AlertCopyRow,
    AlertRow,
    ArticleRow,
    DeliveryAttemptRow,
    DeliveryRow,
    SourceRow,
    TriageRow,
)


def sources_page(store: Store, *, limit: int, after: int = 0) -> list[SourceInfo]:
    """Sources in id order after ``after``, with their article counts."""
    with store.session() as s:
        rows = s.exec(select(SourceRow).where(col(SourceRow.id) > after)
                      .order_by(col(SourceRow.id)).limit(limit)).all()
        ids = [r.id for r in rows]
        counts: dict[int, int] = {sid: n for sid, n in s.exec(
            select(ArticleRow.source_id, func.count()).where(col(ArticleRow.source_id).in_(ids))
            .group_by(col(ArticleRow.source_id)))}
        return [SourceInfo(r, counts.get(r.id or 0, 0)) for r in rows]


def set_enabled(store: Store, source_id: int, enabled: bool, now: datetime) -> SourceRow | None:
    with store.session() as s:
        row = s.get(SourceRow, source_id)
        if row is None:
            return None
        if enabled and not row.enabled:
            row.next_check_at = now  # a resumed source is polled at the next tick
        row.enabled = enabled
        return row


def delete_source(store: Store, source_id: int) -> bool:
    """Remove a source with its articles, alerts and deliveries (one transaction)."""
    with store.session() as s:
        if s.get(SourceRow, source_id) is None:
            return False
        articles = select(ArticleRow.id).where(ArticleRow.source_id == source_id)
        store.lock_stories_of(s.connection(), articles)  # read after: none moves meanwhile
        stories = [i for i in s.exec(select(ArticleRow.story_id).distinct().where(
            ArticleRow.source_id == source_id)) if i is not None]
        alerts = select(AlertRow.id).where(col(AlertRow.article_id).in_(articles))
        deliveries = select(DeliveryRow.id).where(col(DeliveryRow.alert_id).in_(alerts))
        s.execute(delete(DeliveryAttemptRow).where(
            col(DeliveryAttemptRow.delivery_id).in_(deliveries)))
        s.execute(delete(DeliveryRow).where(col(DeliveryRow.alert_id).in_(alerts)))
        # Copies attached to this source's alerts, and this source's copies of others' stories.
        s.execute(delete(AlertCopyRow).where(or_(col(AlertCopyRow.alert_id).in_(alerts),
                                                 col(AlertCopyRow.article_id).in_(articles))))
        s.execute(delete(StoryBandRow).where(col(StoryBandRow.article_id).in_(articles)))
        s.execute(delete(StoryTermRow).where(col(StoryTermRow.article_id).in_(articles)))
        s.execute(delete(StoryVectorRow).where(
            col(StoryVectorRow.article_id).in_(articles)))
        s.execute(delete(TriageRow).where(col(TriageRow.alert_id).in_(alerts)))
        s.execute(delete(AlertRow).where(col(AlertRow.article_id).in_(articles)))
        s.execute(delete(ArticleRow).where(col(ArticleRow.source_id) == source_id))
        s.execute(delete(SourceRow).where(col(SourceRow.id) == source_id))
        # The stories it told: told by fewer now, or gone with it.
        store.recount_stories(s.connection(), stories)
        return True


def claim_source(store: Store, source_id: int, *, worker: str, now: datetime,
                 lease: timedelta) -> SourceRow | None:
    """Lease one source to poll it now; None when another worker is polling it."""
    with store.session() as s:
        row = s.exec(select(SourceRow).where(
            SourceRow.id == source_id,
            or_(col(SourceRow.lease_until).is_(None), col(SourceRow.lease_until) < now))
            .with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        row.lease_owner, row.lease_until = worker, now + lease
        return row
