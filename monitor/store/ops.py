"""Operator queries (owned by the API/service): pages and search for the API, source state
changes, alert replay, outbox depth, and releasing a stopping (or killed) worker's leases.

Functions over a ``Store`` rather than a mixin, so they add no method to the shared class.
Pages are keyset-paginated by id, newest first: ``before`` is the last id of the previous page.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import col, select

from monitor.store.records import SourceInfo
from monitor.store.sql import Store
from monitor.store.tables import (
    AlertCopyRow,
    AlertRow,
    ArticleRow,
    DeliveryAttemptRow,
    DeliveryRow,
    SourceRow,
    StoryBandRow,
    StoryTermRow,
    StoryVectorRow,
    TriageRow,
)


def outbox_depth(store: Store) -> dict[str, int]:
    """Deliveries not delivered, by status (``pending``, ``dead``)."""
    with store.session() as s:
        rows = s.exec(select(DeliveryRow.status, func.count()).where(
            DeliveryRow.status != "delivered").group_by(col(DeliveryRow.status))).all()
    return {status: int(n) for status, n in rows}


def release_leases(store: Store, worker: str) -> tuple[int, int]:
    """Give back every lease ``worker`` holds so another worker takes the work up at once."""
    with store.session() as s:
        sources = s.execute(update(SourceRow).where(col(SourceRow.lease_owner) == worker)
                            .values(lease_owner=None, lease_until=None))
        deliveries = s.execute(update(DeliveryRow).where(col(DeliveryRow.lease_owner) == worker)
                               .values(lease_owner=None, lease_until=None))
    return sources.rowcount or 0, deliveries.rowcount or 0  # type: ignore[attr-defined]


def lease_owners(store: Store) -> set[str]:
    """The workers holding a lease on a source or a delivery, live or not."""
    with store.session() as s:
        owners = set(s.exec(select(SourceRow.lease_owner).where(
            col(SourceRow.lease_owner).is_not(None)).distinct()).all())
        owners |= set(s.exec(select(DeliveryRow.lease_owner).where(
            col(DeliveryRow.lease_owner).is_not(None)).distinct()).all())
    return {o for o in owners if o}


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


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ArticleFilter:
    text: str | None = None
    language: str | None = None
    source_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def articles_page(store: Store, f: ArticleFilter, *, limit: int, before: int | None = None
                  ) -> list[ArticleRow]:
    """Stored articles, newest first, filtered by text (title or body), language, source, time."""
    q = select(ArticleRow)
    if before is not None:
        q = q.where(col(ArticleRow.id) < before)
    if f.text:
        pattern = _like(f.text)
        q = q.where(or_(col(ArticleRow.title).ilike(pattern, escape="\\"),
                        col(ArticleRow.body).ilike(pattern, escape="\\")))
    if f.language:
        q = q.where(ArticleRow.language == f.language)
    if f.source_id is not None:
        q = q.where(ArticleRow.source_id == f.source_id)
    if f.since is not None:
        q = q.where(col(ArticleRow.fetched_at) >= f.since)
    if f.until is not None:
        q = q.where(col(ArticleRow.fetched_at) < f.until)
    with store.session() as s:
        return list(s.exec(q.order_by(col(ArticleRow.id).desc()).limit(limit)).all())


def articles_since(store: Store, since: datetime, *, after: int = 0, limit: int = 500
                   ) -> list[tuple[ArticleRow, SourceRow]]:
    """Articles fetched since ``since`` with their sources, in id order after ``after``."""
    with store.session() as s:
        rows = s.exec(select(ArticleRow, SourceRow)
                      .join(SourceRow, col(SourceRow.id) == col(ArticleRow.source_id))
                      .where(col(ArticleRow.id) > after, col(ArticleRow.fetched_at) >= since)
                      .order_by(col(ArticleRow.id)).limit(limit)).all()
    return [(a, src) for a, src in rows]


def get_article(store: Store, article_id: int) -> ArticleRow | None:
    with store.session() as s:
        return s.get(ArticleRow, article_id)


def alerts_page(store: Store, *, limit: int, before: int | None = None,
                rule: str | None = None, since: datetime | None = None) -> list[AlertRow]:
    q = select(AlertRow)
    if before is not None:
        q = q.where(col(AlertRow.id) < before)
    if rule:
        q = q.where(AlertRow.rule_id == rule)
    if since is not None:
        q = q.where(col(AlertRow.created_at) >= since)
    with store.session() as s:
        return list(s.exec(q.order_by(col(AlertRow.id).desc()).limit(limit)).all())


def deliveries_of(store: Store, alert_ids: Sequence[int]) -> dict[int, list[DeliveryRow]]:
    with store.session() as s:
        rows = s.exec(select(DeliveryRow).where(col(DeliveryRow.alert_id).in_(alert_ids))
                      .order_by(col(DeliveryRow.id))).all()
    out: dict[int, list[DeliveryRow]] = {}
    for row in rows:
        if row.alert_id is not None:  # digests belong to no single alert
            out.setdefault(row.alert_id, []).append(row)
    return out


def get_alert(store: Store, alert_id: int) -> AlertRow | None:
    with store.session() as s:
        return s.get(AlertRow, alert_id)


def get_delivery(store: Store, delivery_id: int) -> DeliveryRow | None:
    with store.session() as s:
        return s.get(DeliveryRow, delivery_id)


def send_alert(store: Store, alert_id: int, targets: Sequence[str], now: datetime
               ) -> list[str] | None:
    """Queue an alert to those of ``targets`` that have no delivery of it yet (an alert made
    before a target existed, or of a sample source); the targets queued, or None when there
    is no such alert. The daemon (or ``monitor run --once``) sends them."""
    with store.session() as s:
        if s.get(AlertRow, alert_id) is None:
            return None
        existing = set(s.exec(select(DeliveryRow.target)
                              .where(DeliveryRow.alert_id == alert_id)).all())
        queued = [t for t in dict.fromkeys(targets) if t not in existing]
        for target in queued:
            s.add(DeliveryRow(alert_id=alert_id, target=target,
                              webhook_id=f"msg_{uuid.uuid4().hex}", created_at=now,
                              next_attempt_at=now))
    return queued


def replay_alert(store: Store, alert_id: int, targets: Sequence[str], now: datetime
                 ) -> list[DeliveryRow] | None:
    """Queue an alert again to ``targets``; None when there is no such alert.

    The rules of ``monitor alerts replay`` (``Store.replay``): a delivery keeps its webhook
    id, so a receiver that has the message drops the copy and one that lost it takes it; dead
    and delivered ones go again with a fresh retry horizon; pending ones are on their way
    already; held and digested ones stay with their digest. A target that has no delivery of
    the alert gets a new one.
    """
    with store.session() as s:
        existing = {d.target: d.id for d in s.exec(
            select(DeliveryRow).where(DeliveryRow.alert_id == alert_id)).all()}
    if send_alert(store, alert_id, targets, now) is None:
        return None
    store.replay(now, ids=[i for t, i in existing.items() if t in targets and i is not None])
    with store.session() as s:
        rows = {d.target: d for d in s.exec(select(DeliveryRow).where(
            DeliveryRow.alert_id == alert_id, col(DeliveryRow.target).in_(list(targets)))).all()}
    return [rows[t] for t in targets if t in rows]
