"""The console's overviews: stories with their members, and the outbox by target."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from monitor.store.sql import Store
from monitor.store.storylist import StoryFilter, StoryView, stories_page
from monitor.store.tables import DeliveryRow


def stories(store: Store, *, limit: int, multi: bool = True) -> list[StoryView]:
    """The newest stories (``multi``: those told more than once) with their first members."""
    return stories_page(store, StoryFilter(min_articles=2 if multi else None), limit=limit)


def queue_counts(store: Store) -> dict[str, dict[str, int]]:
    """Per target, how many deliveries are in each status."""
    with store.session() as s:
        rows = s.exec(select(DeliveryRow.target, DeliveryRow.status, func.count())
                      .group_by(col(DeliveryRow.target), col(DeliveryRow.status))).all()
    out: dict[str, dict[str, int]] = {}
    for target, status, n in rows:
        out.setdefault(target, {})[status] = int(n)
    return out


def dead_deliveries(store: Store, *, limit: int) -> list[DeliveryRow]:
    with store.session() as s:
        return list(s.exec(select(DeliveryRow).where(DeliveryRow.status == "dead")
                           .order_by(col(DeliveryRow.id).desc()).limit(limit)).all())
