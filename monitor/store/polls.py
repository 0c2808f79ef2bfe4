"""Poll results: a poll's articles, alerts and pending deliveries written in one transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from monitor.errors import StoreError
from monitor.models import Article, Match, NewAlert
from monitor.store.base import StoreBase
from monitor.store.payload import alert_payload
from monitor.store.records import PollOutcome, dedupe_key
from monitor.store.tables import AlertRow, ArticleRow, DeliveryRow, SourceRow


class PollQueries(StoreBase):
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
            # ON CONFLICT: one delivery per (alert, target) even if two writers race.
            s.execute(self._insert(DeliveryRow.__table__).values(  # type: ignore[attr-defined]
                alert_id=alert_id, target=target, webhook_id=f"msg_{uuid.uuid4().hex}",
                status="pending", attempts=0, created_at=now, next_attempt_at=now,
            ).on_conflict_do_nothing())
        return NewAlert(alert_id, match.rule_id, match.rule_name, article.title, article.url,
                        source.title or source.url, match.evidence)
