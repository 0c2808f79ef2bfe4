"""The SQL store: sources (and their schedule), articles, alerts and the delivery outbox."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from monitor.errors import StoreError
from monitor.models import Article, Match, NewAlert
from monitor.store.engine import make_engine, migrate
from monitor.store.payload import alert_payload
from monitor.store.tables import (
    AlertRow,
    ArticleRow,
    DeliveryAttemptRow,
    DeliveryRow,
    MetaRow,
    SourceRow,
)


@dataclass(frozen=True)
class SourceInfo:
    """A source as listed to people: its row and how many articles it gave."""

    source: SourceRow
    articles: int


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one source learned, to be written with its articles."""

    status: str  # ok | not_modified | error
    next_check_at: datetime
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    new_url: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    """A due delivery with what is needed to send it."""

    delivery_id: int
    alert_id: int
    target: str
    webhook_id: str
    payload: str
    attempts: int
    created_at: datetime


def dedupe_key(article: Article) -> str:
    """The per-source identity of an article: its GUID, else its URL, else its content."""
    key = article.guid or article.url or article.content_hash
    # Long GUIDs (some feeds use whole URLs with queries) are hashed to fit the column.
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class Store:
    """All database access of monitor; one instance per process, shared by the stages."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {exc}") from exc

    def ping(self) -> None:
        with self.session() as s:
            s.exec(select(func.count()).select_from(MetaRow))

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(MetaRow, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as s:
            row = s.get(MetaRow, key)
            if row is None:
                s.add(MetaRow(key=key, value=value))
            else:
                row.value = value

    # -- sources ----------------------------------------------------------------------------
    def add_source(self, kind: str, url: str, *, interval: int, now: datetime,
                   labels: Sequence[str] = (), title: str | None = None) -> SourceRow:
        """Add a source, or return the existing one with the same URL unchanged."""
        with self.session() as s:
            existing = s.exec(select(SourceRow).where(SourceRow.url == url)).first()
            if existing is not None:
                return existing
            row = SourceRow(kind=kind, url=url, interval_seconds=interval, created_at=now,
                            next_check_at=now, labels=",".join(labels), title=title)
            s.add(row)
            s.flush()
            return row

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
                      limit: int = 100, due_only: bool = True) -> list[SourceRow]:
        """Claim sources to poll now: due (or all), enabled, not leased by a live worker."""
        with self.session() as s:
            q = select(SourceRow).where(
                col(SourceRow.enabled).is_(True),
                or_(col(SourceRow.lease_until).is_(None), col(SourceRow.lease_until) < now),
            )
            if due_only:
                q = q.where(col(SourceRow.next_check_at) <= now)
            q = q.order_by(col(SourceRow.next_check_at)).limit(limit)
            q = q.with_for_update(skip_locked=True)
            rows = list(s.exec(q).all())
            for row in rows:
                row.lease_owner, row.lease_until = worker, now + lease
            return rows

    def known_keys(self, source_id: int, articles: Sequence[Article]) -> set[str]:
        """Which of these articles are stored already, by key in this source or content anywhere."""
        keys = {dedupe_key(a) for a in articles}
        hashes = {a.content_hash for a in articles}
        with self.session() as s:
            seen_keys = set(s.exec(select(ArticleRow.dedupe_key).where(
                ArticleRow.source_id == source_id, col(ArticleRow.dedupe_key).in_(keys))))
            seen_hashes = set(s.exec(select(ArticleRow.content_hash).where(
                col(ArticleRow.content_hash).in_(hashes))))
        return {dedupe_key(a) for a in articles
                if dedupe_key(a) in seen_keys or a.content_hash in seen_hashes}

    def save_poll(self, source_id: int, outcome: PollOutcome,
                  found: Sequence[tuple[Article, Sequence[Match]]], *, targets: Sequence[str],
                  now: datetime) -> list[NewAlert]:
        """Write a poll's result in ONE transaction: source state, articles, alerts, outbox."""
        alerts: list[NewAlert] = []
        with self.session() as s:
            source = s.get(SourceRow, source_id)
            if source is None:
                raise StoreError(f"source {source_id} does not exist")
            self._apply_outcome(source, outcome, now)
            for article, matches in found:
                article_id = self._insert_article(s, source_id, article, now)
                if article_id is None:
                    continue
                for match in matches:
                    alert = self._insert_alert(s, article_id, article, match, source, now,
                                               targets)
                    if alert is not None:
                        alerts.append(alert)
        return alerts

    @staticmethod
    def _apply_outcome(source: SourceRow, outcome: PollOutcome, now: datetime) -> None:
        source.last_polled_at = now
        source.last_status = outcome.status
        source.next_check_at = outcome.next_check_at
        source.lease_owner = source.lease_until = None
        if outcome.status == "error":
            source.last_error = outcome.error
            source.consecutive_failures += 1
            return
        source.last_error = outcome.error  # problems with parts of an otherwise good poll
        source.consecutive_failures = 0
        source.unhealthy = False
        source.etag = outcome.etag if outcome.etag is not None else source.etag
        source.last_modified = outcome.last_modified or source.last_modified
        source.body_hash = outcome.body_hash or source.body_hash
        source.title = outcome.title or source.title
        if outcome.new_url:
            source.url = outcome.new_url

    def _insert_article(self, s: Session, source_id: int, a: Article, now: datetime) -> int | None:
        stmt = self._insert(ArticleRow.__table__).values(  # type: ignore[attr-defined]
            source_id=source_id, dedupe_key=dedupe_key(a), guid=a.guid, url=a.url,
            title=a.title, body=a.body, language=a.language, author=a.author,
            published=a.published, fetched_at=now, content_hash=a.content_hash,
        ).on_conflict_do_nothing().returning(ArticleRow.__table__.c.id)  # type: ignore[attr-defined]
        row = s.execute(stmt).first()
        return int(row[0]) if row else None

    def _insert_alert(self, s: Session, article_id: int, article: Article, match: Match,
                      source: SourceRow, now: datetime, targets: Sequence[str]) -> NewAlert | None:
        payload = alert_payload(match, article, article_id, source.title or source.url, now)
        stmt = self._insert(AlertRow.__table__).values(  # type: ignore[attr-defined]
            rule_id=match.rule_id, rule_name=match.rule_name, article_id=article_id,
            score=match.score, evidence=json.dumps([e.to_dict() for e in match.evidence]),
            payload=json.dumps(payload, ensure_ascii=False), created_at=now,
        ).on_conflict_do_nothing().returning(AlertRow.__table__.c.id)  # type: ignore[attr-defined]
        row = s.execute(stmt).first()
        if row is None:
            return None
        alert_id = int(row[0])
        chosen = [t for t in targets if not match.notify or t in match.notify]
        for target in chosen:
            s.add(DeliveryRow(alert_id=alert_id, target=target,
                              webhook_id=f"msg_{uuid.uuid4().hex}", created_at=now,
                              next_attempt_at=now))
        return NewAlert(alert_id, match.rule_id, match.rule_name, article.title, article.url,
                        source.title or source.url, match.evidence)

    # -- outbox -----------------------------------------------------------------------------
    def claim_deliveries(self, now: datetime, *, worker: str, lease: timedelta,
                         limit: int = 100) -> list[OutboxItem]:
        with self.session() as s:
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
