"""Source queries: add, list, and claim due sources with a lease (the schedule is the table)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import col, select

from monitor.store.base import StoreBase
from monitor.store.records import SourceInfo
from monitor.store.tables import ArticleRow, SourceRow


class SourceQueries(StoreBase):
    def add_source(self, kind: str, url: str, *, interval: int, now: datetime,
                   labels: Sequence[str] = (), title: str | None = None) -> SourceRow:
        """Add a source, or return the existing one with the same URL unchanged."""
        with self.session() as s:
            existing = s.exec(select(SourceRow).where(SourceRow.url == url)).first()
            if existing is not None:
                return existing
            # Another worker may add the same URL at the same moment (the seeds source of a new
            # database): the unique URL decides, and both get the one row.
            s.execute(self._insert(SourceRow.__table__).values(  # type: ignore[attr-defined]
                kind=kind, url=url, interval_seconds=interval, created_at=now, next_check_at=now,
                labels=",".join(labels), title=title, enabled=True, consecutive_failures=0,
                unhealthy=False).on_conflict_do_nothing())
        with self.session() as s:
            return s.exec(select(SourceRow).where(SourceRow.url == url)).one()

    def remove_source(self, source_id: int) -> bool:
        with self.session() as s:
            row = s.get(SourceRow, source_id)
            if row is None:
                return False
            row.enabled = False
            return True

    def get_source(self, source_id: int) -> SourceRow | None:
        with self.session() as s:
            return s.get(SourceRow, source_id)

    def count_sources(self) -> int:
        with self.session() as s:
            return int(s.exec(select(func.count()).select_from(SourceRow)).one())

    def list_sources(self) -> list[SourceInfo]:
        with self.session() as s:
            counts: dict[int, int] = {sid: n for sid, n in s.exec(
                select(ArticleRow.source_id, func.count()).group_by(col(ArticleRow.source_id)))}
            rows = s.exec(select(SourceRow).order_by(col(SourceRow.id))).all()
            return [SourceInfo(r, counts.get(r.id or 0, 0)) for r in rows]

    def claim_sources(self, now: datetime, *, worker: str, lease: timedelta,
                      limit: int | None = 100, due_only: bool = True,
                      exclude: Collection[int] = ()) -> list[SourceRow]:
        """Claim sources to poll now: due (or all), enabled, not leased by a live worker.

        Exclusive across workers on both backends: PostgreSQL skips rows another transaction
        holds (``FOR UPDATE SKIP LOCKED``), SQLite serializes claims (``BEGIN IMMEDIATE``).
        The lease lets another worker take a source over when its claimer dies; ``exclude``
        are the sources the caller is still polling (a stalled poll can outlive its lease, and
        must not be doubled by its own worker).
        """
        with self.session(lock=True) as s:
            q = select(SourceRow).where(
                col(SourceRow.enabled).is_(True),
                or_(col(SourceRow.lease_until).is_(None), col(SourceRow.lease_until) < now),
            )
            if due_only:
                q = q.where(col(SourceRow.next_check_at) <= now)
            if exclude:
                q = q.where(col(SourceRow.id).not_in(list(exclude)))
            q = q.order_by(col(SourceRow.next_check_at)).limit(limit)
            q = q.with_for_update(skip_locked=True)
            rows = list(s.exec(q).all())
            for row in rows:
                row.lease_owner, row.lease_until = worker, now + lease
            return rows
