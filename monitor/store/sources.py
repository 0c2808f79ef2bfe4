"""Source queries: add, sync declared ones, list, and claim due sources with a lease (and
renew it while polling)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, update
from sqlmodel import col, select

from monitor.store.base import StoreBase
from monitor.store.records import SourceInfo
from monitor.store.tables import ArticleRow, SourceRow


@dataclass(frozen=True)
class SourceSpec:
    """A source as a declaration wants it; ``kind_auto``: the kind is read at the first poll
    (and a later sync leaves the kind that poll found alone)."""

    url: str
    kind: str
    interval: int
    labels: tuple[str, ...] = ()
    enabled: bool = True
    kind_auto: bool = False
    sample: bool = False  # the seeds folder of a new database (see SourceRow.sample)


class SourceQueries(StoreBase):
    def add_source(self, kind: str, url: str, *, interval: int, now: datetime,
                   labels: Sequence[str] = (), title: str | None = None) -> SourceRow:
        """Add a source, or return the existing one with the same URL unchanged."""
        return self.create_source(SourceSpec(url, kind, interval, tuple(labels)), now,
                                  title=title)[0]

    def create_source(self, spec: SourceSpec, now: datetime, *, title: str | None = None
                      ) -> tuple[SourceRow, bool]:
        """Add a source; (its row, True), or (the existing row unchanged, False). Adding a
        sample source's location as a source of one's own makes it one: it delivers."""
        with self.session() as s:
            existing = s.exec(select(SourceRow).where(SourceRow.url == spec.url)).first()
            if existing is not None:
                if existing.sample and not spec.sample:
                    existing.sample = False
                return existing, False
            # Another worker may add the same URL at the same moment (the seeds source of a new
            # database): the unique URL decides, and both get the one row.
            table = SourceRow.__table__  # type: ignore[attr-defined]
            inserted = s.execute(self._insert(table).values(
                kind=spec.kind, url=spec.url, interval_seconds=spec.interval, created_at=now,
                next_check_at=now, labels=",".join(spec.labels), title=title,
                enabled=spec.enabled, consecutive_failures=0, unhealthy=False,
                kind_auto=spec.kind_auto, sample=spec.sample,
            ).on_conflict_do_nothing().returning(table.c.id)).first()
        with self.session() as s:
            return (s.exec(select(SourceRow).where(SourceRow.url == spec.url)).one(),
                    inserted is not None)

    def source_urls(self) -> set[str]:
        with self.session() as s:
            return set(s.exec(select(SourceRow.url)).all())

    def sync_sources(self, wanted: Sequence[SourceSpec], retired: Collection[str],
                     now: datetime) -> tuple[int, int, int]:
        """Make the sources match ``wanted`` and disable the ``retired`` URLs, in one
        transaction; (added, updated, disabled)."""
        added = updated = disabled = 0
        with self.session() as s:
            rows = {r.url: r for r in s.exec(select(SourceRow)).all()}
            for d in wanted:
                row = rows.get(d.url)
                labels = ",".join(d.labels)
                if row is None:
                    s.add(SourceRow(kind=d.kind, url=d.url, interval_seconds=d.interval,
                                    labels=labels, enabled=d.enabled, created_at=now,
                                    next_check_at=now, kind_auto=d.kind_auto))
                    added += 1
                    continue
                adopted, row.sample = row.sample, False  # declared by the user: not a sample
                kind = row.kind if d.kind_auto else d.kind
                if (row.kind, row.interval_seconds, row.labels, row.enabled) != (
                        kind, d.interval, labels, d.enabled):
                    if kind != row.kind:
                        row.kind, row.kind_auto = kind, False
                    row.interval_seconds, row.labels = d.interval, labels
                    if d.enabled and not row.enabled:
                        row.next_check_at = now
                    row.enabled = d.enabled
                    updated += 1
                elif adopted:
                    updated += 1
            for url in retired:
                row = rows.get(url)
                if row is not None and row.enabled:
                    row.enabled = False
                    disabled += 1
        return added, updated, disabled

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

    def next_due_at(self) -> datetime | None:
        """When the next enabled source falls due (an indexed MIN), or None without sources."""
        with self.session() as s:
            due = s.exec(select(func.min(SourceRow.next_check_at))
                         .where(col(SourceRow.enabled).is_(True))).one()
        # SQLite hands datetimes back without their zone; they are stored in UTC.
        return None if due is None else due if due.tzinfo else due.replace(tzinfo=UTC)

    def renew_source_leases(self, ids: Collection[int], *, worker: str, until: datetime
                            ) -> int:
        """Extend ``worker``'s leases of ``ids`` to ``until`` (its heartbeat); a lease another
        worker holds now is left alone. The number renewed."""
        with self.session() as s:
            result = s.execute(update(SourceRow).where(col(SourceRow.id).in_(list(ids)),
                                                       col(SourceRow.lease_owner) == worker)
                               .values(lease_until=until))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
