"""The outbox: claim due deliveries with a lease, record every attempt.

Each target is a FIFO queue (``deliveries`` ordered by id): ``claim_target`` hands out the
oldest pending deliveries of one target, and nothing at all while the oldest one is backing off
or leased by another worker, so a newer alert never overtakes an older one that is still due to
be retried. Held deliveries (what the claimer's noise gate holds back, see ``outbox_types``)
wait outside the queue until their time comes and are then folded into one digest delivery.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import Session, col, select

from monitor.clock import aware
from monitor.store.base import StoreBase
from monitor.store.outbox_types import Gate, HeldGroup, Waiting
from monitor.store.records import Attempt, OutboxItem
from monitor.store.tables import AlertRow, DeliveryAttemptRow, DeliveryRow, MetaRow

_DISABLED = "target.disabled:"


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class OutboxQueries(StoreBase):
    def release_deliveries(self, ids: Sequence[int]) -> None:
        with self.session() as s:
            s.execute(update(DeliveryRow).where(col(DeliveryRow.id).in_(ids))
                      .values(lease_owner=None, lease_until=None))

    def renew_delivery_leases(self, ids: Sequence[int], *, worker: str, until: datetime
                              ) -> int:
        """Extend ``worker``'s leases of ``ids`` to ``until`` while it sends them (its
        heartbeat); one another worker holds now is left alone. The number renewed."""
        with self.session() as s:
            result = s.execute(update(DeliveryRow).where(col(DeliveryRow.id).in_(ids),
                                                         col(DeliveryRow.lease_owner) == worker)
                               .values(lease_until=until))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def deliveries(self, status: str | None = None, *, target: str | None = None,
                   limit: int | None = None) -> list[DeliveryRow]:
        with self.session() as s:
            q = select(DeliveryRow).order_by(col(DeliveryRow.id))
            if status:
                q = q.where(DeliveryRow.status == status)
            if target:
                q = q.where(DeliveryRow.target == target)
            if limit:
                q = q.limit(limit)
            return list(s.exec(q).all())

    def alerts(self, limit: int = 100) -> list[AlertRow]:
        with self.session() as s:
            q = select(AlertRow).order_by(col(AlertRow.id).desc()).limit(limit)
            return list(s.exec(q).all())

    # -- per-target queues ----------------------------------------------------------------
    def claim_target(self, target: str, now: datetime, *, worker: str, lease: timedelta,
                     limit: int, gate: Gate | None = None) -> list[OutboxItem]:
        """Lease the due head of ``target``'s queue (at most ``limit``, oldest first).

        With a ``gate``, the claim first lets it decide about the deliveries it has not seen
        and folds the held ones whose time has come into digests; without one, held
        deliveries wait for a claim that has one.
        """
        with self.session(lock=True) as s:  # exclusive on SQLite too (see store.engine)
            if gate is not None:
                if gate.rules:
                    self._gate(s, target, now, gate)
                self._flush_digests(s, target, now, gate)
            s.flush()
            q = (select(DeliveryRow).where(DeliveryRow.target == target,
                                           DeliveryRow.status == "pending")
                 .order_by(col(DeliveryRow.id)).limit(limit).with_for_update(of=DeliveryRow))
            head: list[DeliveryRow] = []
            for row in s.exec(q).all():
                leased = row.lease_until is not None and aware(row.lease_until) >= now
                if aware(row.next_attempt_at) > now or leased:
                    break  # FIFO: nothing passes the oldest one still waiting
                head.append(row)
            if not head:
                return []
            alert_ids = [r.alert_id for r in head if r.alert_id is not None]
            payloads = dict(s.exec(select(AlertRow.id, AlertRow.payload)
                                   .where(col(AlertRow.id).in_(alert_ids))).all())
            items = []
            for row in head:
                assert row.id is not None
                row.lease_owner, row.lease_until = worker, now + lease
                payload = row.payload if row.payload is not None else payloads[row.alert_id]
                items.append(OutboxItem(row.id, row.alert_id or 0, row.target, row.webhook_id,
                                        payload, row.attempts, row.created_at, row.kind,
                                        row.retry_from or row.created_at))
            return items

    def record_attempts(self, attempts: Sequence[Attempt], *, now: datetime,
                        worker: str) -> None:
        """Record a batch of attempts in ONE transaction (bookkeeping must not be the limit)."""
        if not attempts:
            return
        with self.session() as s:
            s.execute(DeliveryAttemptRow.__table__.insert(),  # type: ignore[attr-defined]
                      [{"delivery_id": a.delivery_id, "at": now, "status_code": a.status_code,
                        "latency_ms": a.latency_ms, "error": a.error,
                        "next_attempt_at": a.next_attempt_at, "outcome": a.outcome,
                        "worker": worker} for a in attempts])
            table = DeliveryRow.__table__  # type: ignore[attr-defined]
            common: dict[str, Any] = {
                "attempts": table.c.attempts + 1, "last_attempt_at": now,
                "last_status_code": bindparam("p_code"), "last_error": bindparam("p_error"),
                "lease_owner": None, "lease_until": None}
            by_outcome: dict[str, dict[str, Any]] = {
                "delivered": {"status": "delivered", "delivered_at": now},
                "dead": {"status": "dead"},
                "failed": {"next_attempt_at": bindparam("p_next")}}
            for outcome, values in by_outcome.items():
                rows = [{"p_id": a.delivery_id, "p_code": a.status_code, "p_error": a.error,
                         "p_next": a.next_attempt_at} for a in attempts if a.outcome == outcome]
                if not rows:
                    continue
                # A delivery another worker finished meanwhile (its lease ran out) stays done.
                stmt = (update(table).where(table.c.id == bindparam("p_id"),
                                            table.c.status == "pending")
                        .values(**common, **values))
                s.connection().execute(stmt, rows)  # one executemany per outcome

    def _gate(self, s: Session, target: str, now: datetime, gate: Gate) -> None:
        """Let ``gate`` decide, once per delivery, whether a gated rule's alert waits."""
        rows = s.exec(select(DeliveryRow, AlertRow.rule_id)
                      .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
                      .where(DeliveryRow.target == target, DeliveryRow.status == "pending",
                             col(DeliveryRow.gated_at).is_(None),
                             col(AlertRow.rule_id).in_(list(gate.rules)))
                      .order_by(col(DeliveryRow.id))
                      .with_for_update(skip_locked=True, of=DeliveryRow)).all()
        if not rows:
            return

        def sent_since(rule_id: str, start: datetime) -> int:
            return s.exec(select(func.count()).select_from(DeliveryRow)
                          .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
                          .where(DeliveryRow.target == target, AlertRow.rule_id == rule_id,
                                 col(DeliveryRow.gated_at) >= start,
                                 col(DeliveryRow.status).not_in(["held", "digested"]))).one()

        held = gate.hold([Waiting(row.id or 0, rule_id) for row, rule_id in rows], now,
                         sent_since)
        for row, _ in rows:
            row.gated_at = now
            until = held.get(row.id or 0)
            if until is not None:
                row.status, row.next_attempt_at = "held", until

    def _flush_digests(self, s: Session, target: str, now: datetime, gate: Gate) -> None:
        """Fold the held deliveries whose time has come into one digest per rule and window."""
        rows = s.exec(select(DeliveryRow, AlertRow)
                      .join(AlertRow, col(AlertRow.id) == col(DeliveryRow.alert_id))
                      .where(DeliveryRow.target == target, DeliveryRow.status == "held",
                             col(DeliveryRow.next_attempt_at) <= now)
                      .order_by(col(DeliveryRow.id))
                      # another worker folding the same window: it makes the one digest
                      .with_for_update(skip_locked=True, of=DeliveryRow)).all()
        groups: dict[tuple[str, datetime], list[tuple[DeliveryRow, AlertRow]]] = \
            defaultdict(list)
        for row, alert in rows:
            groups[(alert.rule_id, aware(row.next_attempt_at))].append((row, alert))
        for (rule_id, until), members in groups.items():
            group = HeldGroup(rule_id, until,
                              min(aware(r.gated_at or r.created_at) for r, _ in members),
                              tuple(a.payload for _, a in members))
            digest = DeliveryRow(alert_id=None, target=target, webhook_id=new_webhook_id(),
                                 created_at=now, next_attempt_at=now, gated_at=now,
                                 kind="digest", payload=gate.digest(group, now))
            s.add(digest)
            s.flush()
            for row, _ in members:
                row.status, row.digest_id = "digested", digest.id

    # -- operators ---------------------------------------------------------------------------
    def replay(self, now: datetime, *, ids: Sequence[int] = (), failed: bool = False) -> int:
        """Send deliveries again, same ``webhook-id``, with a fresh retry horizon."""
        table = DeliveryRow.__table__  # type: ignore[attr-defined]
        # By id, a delivered one may be sent again too (a receiver that lost it); held and
        # digested ones are not touched: their digest carries them.
        cond = (table.c.status == "dead" if failed else
                table.c.id.in_(list(ids)) & table.c.status.in_(["dead", "delivered"]))
        with self.session() as s:
            result = s.execute(update(table).where(cond)
                               .values(status="pending", next_attempt_at=now, retry_from=now,
                                       attempts=0, lease_owner=None, lease_until=None))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def attempts_of(self, delivery_id: int) -> list[DeliveryAttemptRow]:
        with self.session() as s:
            return list(s.exec(select(DeliveryAttemptRow)
                               .where(DeliveryAttemptRow.delivery_id == delivery_id)
                               .order_by(col(DeliveryAttemptRow.id))).all())

    def disabled_targets(self) -> dict[str, str]:
        """Targets switched off (a 410 Gone), with the reason."""
        with self.session() as s:
            rows = s.exec(select(MetaRow).where(col(MetaRow.key).startswith(_DISABLED))).all()
            return {r.key.removeprefix(_DISABLED): r.value for r in rows}

    def disable_target(self, name: str, reason: str) -> None:
        self.set_meta(_DISABLED + name, reason)

    def enable_target(self, name: str) -> bool:
        with self.session() as s:
            result = s.execute(delete(MetaRow).where(col(MetaRow.key) == _DISABLED + name))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def bury_target(self, target: str, now: datetime, reason: str) -> int:
        """Mark every pending delivery of a disabled target dead (replayable later)."""
        table = DeliveryRow.__table__  # type: ignore[attr-defined]
        with self.session() as s:
            result = s.execute(update(table).where(table.c.target == target,
                                                   table.c.status == "pending")
                               .values(status="dead", last_error=reason, last_attempt_at=now,
                                       lease_owner=None, lease_until=None))
            return int(result.rowcount)  # type: ignore[attr-defined]
