"""The outbox: claim due deliveries with a lease, record every attempt."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from monitor.store.base import StoreBase
from monitor.store.records import OutboxItem
from monitor.store.tables import AlertRow, DeliveryAttemptRow, DeliveryRow


class OutboxQueries(StoreBase):
    def claim_deliveries(self, now: datetime, *, worker: str, lease: timedelta,
                         limit: int = 100) -> list[OutboxItem]:
        with self.session(lock=True) as s:  # exclusive on SQLite too (see store.engine)
            q = (select(DeliveryRow, AlertRow.payload)
                 .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
                 .where(DeliveryRow.status == "pending", col(DeliveryRow.next_attempt_at) <= now,
                        or_(col(DeliveryRow.lease_until).is_(None),
                            col(DeliveryRow.lease_until) < now))
                 .order_by(col(DeliveryRow.id)).limit(limit)
                 .with_for_update(skip_locked=True, of=DeliveryRow))
            items = []
            for row, payload in s.exec(q).all():
                assert row.id is not None
                row.lease_owner, row.lease_until = worker, now + lease
                items.append(OutboxItem(row.id, row.alert_id, row.target, row.webhook_id,
                                        payload, row.attempts, row.created_at))
            return items

    def record_attempt(self, delivery_id: int, *, now: datetime, ok: bool,
                       status_code: int | None, latency_ms: float | None, error: str | None,
                       next_attempt_at: datetime | None, dead: bool = False) -> None:
        with self.session() as s:
            row = s.get(DeliveryRow, delivery_id)
            if row is None:
                return
            s.add(DeliveryAttemptRow(delivery_id=delivery_id, at=now, status_code=status_code,
                                     latency_ms=latency_ms, error=error))
            row.attempts += 1
            row.last_attempt_at, row.last_status_code, row.last_error = now, status_code, error
            row.lease_owner = row.lease_until = None
            if ok:
                row.status, row.delivered_at = "delivered", now
            elif dead:
                row.status = "dead"
            elif next_attempt_at is not None:
                row.next_attempt_at = next_attempt_at

    def release_deliveries(self, ids: Sequence[int]) -> None:
        with self.session() as s:
            s.execute(update(DeliveryRow).where(col(DeliveryRow.id).in_(ids))
                      .values(lease_owner=None, lease_until=None))

    def deliveries(self, status: str | None = None) -> list[DeliveryRow]:
        with self.session() as s:
            q = select(DeliveryRow).order_by(col(DeliveryRow.id))
            if status:
                q = q.where(DeliveryRow.status == status)
            return list(s.exec(q).all())

    def alerts(self, limit: int = 100) -> list[AlertRow]:
        with self.session() as s:
            q = select(AlertRow).order_by(col(AlertRow.id).desc()).limit(limit)
            return list(s.exec(q).all())
