"""Leases across sources and deliveries: which workers hold them, and giving back all of one
worker's (a stopping worker, or a killed one found at start)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from monitor.store.sql import Store
from monitor.store.tables import DeliveryRow, SourceRow


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
