"""The console's overviews: stories with their members, and the outbox by target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from monitor.store.sql import Store
from monitor.store.tables import ArticleRow, DeliveryRow, SourceRow


@dataclass(frozen=True)
class Story:
    story_id: int
    last_seen: datetime
    members: list[tuple[ArticleRow, SourceRow]]


def stories(store: Store, *, limit: int, members: int = 20, multi: bool = True,
            recent: int = 5000) -> list[Story]:
    """The newest stories among the ``recent`` newest articles (a bound, so the page stays
    fast on a big database); ``multi`` keeps those told more than once."""
    with store.session() as s:
        top = s.exec(select(func.max(ArticleRow.id))).one() or 0
        grouped = (select(ArticleRow.story_id, func.max(ArticleRow.id).label("last"),
                          func.count().label("n"))
                   .where(col(ArticleRow.story_id).is_not(None),
                          col(ArticleRow.id) > top - recent)
                   .group_by(col(ArticleRow.story_id)))
        if multi:
            grouped = grouped.having(func.count() > 1)
        heads = s.exec(grouped.order_by(func.max(ArticleRow.id).desc()).limit(limit)).all()
        ids = [sid for sid, _, _ in heads]
        rows = s.exec(select(ArticleRow, SourceRow)
                      .join(SourceRow, col(SourceRow.id) == col(ArticleRow.source_id))
                      .where(col(ArticleRow.story_id).in_(ids))
                      .order_by(col(ArticleRow.id))).all()
    by_story: dict[int, list[tuple[ArticleRow, SourceRow]]] = {}
    for art, src in rows:
        by_story.setdefault(art.story_id or 0, []).append((art, src))
    out = []
    for sid in ids:
        assert sid is not None
        group = by_story.get(sid, [])
        out.append(Story(sid, max(a.fetched_at for a, _ in group), group[:members]))
    return out


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
