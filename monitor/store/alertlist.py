"""Alerts and their deliveries as people handle them: pages, one alert or delivery, sending
an alert to targets that lack it, replaying it, and the outbox's depth by status."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from monitor.store.sql import Store
from monitor.store.tables import AlertRow, DeliveryRow


def outbox_depth(store: Store) -> dict[str, int]:
    """Deliveries not delivered, by status (``pending``, ``dead``)."""
    with store.session() as s:
        rows = s.exec(select(DeliveryRow.status, func.count()).where(
            DeliveryRow.status != "delivered").group_by(col(DeliveryRow.status))).all()
    return {status: int(n) for status, n in rows}


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
