"""Poll results: a poll's articles, story clusters, alerts and deliveries in one transaction.

One story is alerted once: an article joins the story of an earlier one with the same content
hash or canonical URL (any source), or with a SimHash within ``dedupe.MAX_DISTANCE`` bits found
through the banded index in ``story_bands`` (recent window only, so the lookup stays bounded).
A rule that already alerted on the story records the later copy in ``alert_copies`` ("also
reported by") instead of alerting again. All of it lives in the database, so it survives
restarts and is shared by every worker.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from monitor.delivery.payload import alert_payload
from monitor.errors import StoreError
from monitor.models import Article, Match, NewAlert
from monitor.reader import simhash as dedupe
from monitor.store.base import StoreBase
from monitor.store.records import PollOutcome, dedupe_key
from monitor.store.tables import (
    AlertCopyRow,
    AlertRow,
    ArticleRow,
    DeliveryRow,
    SourceRow,
    StoryBandRow,
)

_CANDIDATES = 50  # band hits examined per article and band; bounds the near-dup lookup

# The per-poll lookups, built once: building a statement and its cache key costs more than
# running it on SQLite (about 1 ms against 0.2 ms), and a first poll runs several per source.
_ARTICLES = ArticleRow.__table__  # type: ignore[attr-defined]
_SOURCES = SourceRow.__table__  # type: ignore[attr-defined]
_SOURCE = core_select(_SOURCES).where(_SOURCES.c.id == bindparam("sid"))
_UPDATE_SOURCE = update(_SOURCES).where(_SOURCES.c.id == bindparam("sid"))
_BANDS = StoryBandRow.__table__  # type: ignore[attr-defined]
# Keys and hashes apart, as two lists in one statement would halve the feed size at which
# SQLite runs out of bound parameters.
_KNOWN_KEYS = core_select(_ARTICLES.c.dedupe_key).where(
    _ARTICLES.c.source_id == bindparam("source"),
    _ARTICLES.c.dedupe_key.in_(bindparam("values", expanding=True)))
_KNOWN_HASHES = core_select(_ARTICLES.c.content_hash).where(
    _ARTICLES.c.source_id == bindparam("source"),
    _ARTICLES.c.content_hash.in_(bindparam("values", expanding=True)))
_BY_HASH = (core_select(_ARTICLES.c.content_hash, _ARTICLES.c.story_id, _ARTICLES.c.id)
            .where(_ARTICLES.c.content_hash.in_(bindparam("values", expanding=True)))
            .order_by(_ARTICLES.c.id))
_BY_URL = (core_select(_ARTICLES.c.url, _ARTICLES.c.story_id, _ARTICLES.c.id)
           .where(_ARTICLES.c.url.in_(bindparam("values", expanding=True)))
           .order_by(_ARTICLES.c.id))
_BY_BAND = (core_select(_BANDS.c.value, _BANDS.c.story_id, _BANDS.c.simhash)
            .where(_BANDS.c.band == bindparam("band"),
                   _BANDS.c.value.in_(bindparam("values", expanding=True)),
                   _BANDS.c.created_at >= bindparam("since"))
            .limit(bindparam("limit")))  # no ORDER BY: it would scan past the index
_OWN_STORY = (update(_ARTICLES).where(_ARTICLES.c.id.in_(bindparam("ids", expanding=True)))
              .values(story_id=_ARTICLES.c.id))
_JOIN_STORY = (update(_ARTICLES).where(_ARTICLES.c.id.in_(bindparam("ids", expanding=True)))
               .values(story_id=bindparam("story")))


@dataclass
class _Stories:
    """What a poll knows about existing stories: exact keys and band index hits."""

    by_hash: dict[str, int] = field(default_factory=dict)
    by_url: dict[str, int] = field(default_factory=dict)
    by_band: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)

    def find(self, article: Article, h: int | None) -> int | None:
        story = self.by_hash.get(article.content_hash)
        if story is None and article.url:
            story = self.by_url.get(article.url)
        if story is not None or h is None:
            return story
        best: tuple[int, int] | None = None
        for band, value in enumerate(dedupe.bands(h)):
            for story_id, other in self.by_band.get((band, value), ()):
                d = dedupe.distance(h, other)
                if d <= dedupe.MAX_DISTANCE and (best is None or d < best[0]):
                    best = (d, story_id)
        return best[1] if best else None

    def add(self, article: Article, h: int | None, story_id: int) -> None:
        self.by_hash.setdefault(article.content_hash, story_id)
        if article.url:
            self.by_url.setdefault(article.url, story_id)
        if h is not None:
            for band, value in enumerate(dedupe.bands(h)):
                self.by_band.setdefault((band, value), []).append((story_id, h))


class PollQueries(StoreBase):
    def known_keys(self, source_id: int, articles: Sequence[Article]) -> set[str]:
        """Which of these articles this source gave already (same key, or same content)."""
        keys = list({dedupe_key(a) for a in articles})
        hashes = list({a.content_hash for a in articles})
        with self.session() as s:
            conn = s.connection()
            seen_keys = set(conn.execute(_KNOWN_KEYS, {"source": source_id, "values": keys})
                            .scalars())
            seen_hashes = set(conn.execute(_KNOWN_HASHES, {"source": source_id,
                                                           "values": hashes}).scalars())
        return {dedupe_key(a) for a in articles
                if dedupe_key(a) in seen_keys or a.content_hash in seen_hashes}

    def save_poll(self, source_id: int, outcome: PollOutcome,
                  found: Sequence[tuple[Article, Sequence[Match]]], *, targets: Sequence[str],
                  now: datetime, per_story: Callable[[str], bool] | None = None,
                  story_window: timedelta = timedelta(days=7)) -> list[NewAlert]:
        """Write a poll's result in ONE transaction: source state, articles, alerts, outbox.

        ``per_story(rule_id)`` says whether the rule alerts once per story (default: yes).
        """
        alerts: list[NewAlert] = []
        once = per_story or (lambda _rule: True)
        with self.session() as s:
            conn = s.connection()
            source = conn.execute(_SOURCE, {"sid": source_id}).first()
            if source is None:
                raise StoreError(f"source {source_id} does not exist")
            new = self._outcome_changes(conn, source, outcome, now)
            conn.execute(_UPDATE_SOURCE, {"sid": source_id, **new})  # the keys are the SET
            if not found:
                return alerts
            hashes = [dedupe.text_simhash(a.title, a.body) for a, _m in found]
            stories = self._stories(s, [a for a, _m in found], hashes, now - story_window)
            # Stories are decided first (a copy later in this poll joins an earlier article,
            # named by -1 - its index until it has an id), then all rows go in one statement.
            planned: list[int] = []
            for n, ((article, _m), h) in enumerate(zip(found, hashes, strict=True)):
                story = stories.find(article, h)
                if story is None:
                    story = -1 - n
                stories.add(article, h, story)
                planned.append(story)
            ids = self._insert_articles(s, source_id, [a for a, _m in found], hashes, planned,
                                        now)
            own: list[int] = []
            joined: dict[int, list[int]] = {}
            band_rows: list[dict[str, object]] = []
            name = new.get("title") or new.get("url", source.url)
            for n, ((article, matches), h) in enumerate(zip(found, hashes, strict=True)):
                article_id = ids.get(dedupe_key(article))
                if article_id is None:
                    continue
                story_id = planned[n]
                if story_id < 0:
                    story_id = ids.get(dedupe_key(found[-1 - story_id][0]), article_id)
                    if story_id == article_id:
                        own.append(article_id)
                    else:
                        joined.setdefault(story_id, []).append(article_id)
                if h is not None:
                    band_rows.extend(
                        {"band": band, "value": value, "article_id": article_id,
                         "story_id": story_id, "simhash": dedupe.to_signed(h), "created_at": now}
                        for band, value in enumerate(dedupe.bands(h)))
                for match in matches:
                    if story_id != article_id and once(match.rule_id):
                        first = s.exec(select(AlertRow.id).where(
                            AlertRow.rule_id == match.rule_id, AlertRow.story_id == story_id)
                            .limit(1)).first()
                        if first is not None:
                            self._insert_copy(s, first, article_id, article, source_id, name, now)
                            continue
                    alert = self._insert_alert(s, article_id, story_id, article, match, name,
                                               now, targets)
                    if alert is not None:
                        alerts.append(alert)
            if own:
                conn.execute(_OWN_STORY, {"ids": own})
            for story_id, members in joined.items():
                conn.execute(_JOIN_STORY, {"ids": members, "story": story_id})
            if band_rows:
                conn.execute(_BANDS.insert(), band_rows)
        return alerts

    @staticmethod
    def _stories(s: Session, articles: Sequence[Article], hashes: Sequence[int | None],
                 since: datetime) -> _Stories:
        """Existing stories these articles may belong to, in a few indexed queries."""
        stories = _Stories()
        conn = s.connection()
        content = list({a.content_hash for a in articles})
        urls = list({a.url for a in articles if a.url})
        for chash, sid, aid in conn.execute(_BY_HASH, {"values": content}):
            stories.by_hash.setdefault(chash, sid or aid or 0)
        if urls:
            for url, sid, aid in conn.execute(_BY_URL, {"values": urls}):
                if url:
                    stories.by_url.setdefault(url, sid or aid or 0)
        split = [dedupe.bands(h) for h in hashes if h is not None]
        for band in range(dedupe.BANDS):
            values = list({parts[band] for parts in split})
            if not values:
                continue
            rows = conn.execute(_BY_BAND, {"band": band, "values": values, "since": since,
                                           "limit": _CANDIDATES * len(values)})
            for value, sid, other in rows:
                stories.by_band.setdefault((band, value), []).append(
                    (sid, dedupe.to_unsigned(other)))
        return stories

    @staticmethod
    def _outcome_changes(conn: Connection, source: Row[Any], outcome: PollOutcome,
                         now: datetime) -> dict[str, Any]:
        """The source's columns after this poll (an UPDATE's values)."""
        new: dict[str, Any] = {"last_polled_at": now, "last_status": outcome.status,
                               "next_check_at": outcome.next_check_at, "lease_owner": None,
                               "lease_until": None}
        if outcome.new_url and outcome.new_url != source.url:
            taken = conn.execute(core_select(_SOURCES.c.id)
                                 .where(_SOURCES.c.url == outcome.new_url)).first()
            if not taken:  # moved onto a URL we already poll: keep both, do not collide
                new["url"] = outcome.new_url
        if outcome.disable:
            new["enabled"] = False
            new["disabled_reason"] = outcome.disable
        if outcome.status in ("error", "rate_limited", "gone"):
            new["last_error"] = outcome.error
            new["consecutive_failures"] = source.consecutive_failures + 1
            new["failing_since"] = source.failing_since or outcome.failing_since or now
            new["unhealthy"] = outcome.unhealthy
            return new
        new["last_error"] = outcome.error  # problems with parts of an otherwise good poll
        new["consecutive_failures"] = 0
        new["failing_since"] = None
        new["unhealthy"] = False
        new["etag"] = outcome.etag if outcome.etag is not None else source.etag
        new["last_modified"] = outcome.last_modified or source.last_modified
        new["body_hash"] = outcome.body_hash or source.body_hash
        new["title"] = outcome.title or source.title
        if outcome.kind:
            new["kind"], new["kind_auto"] = outcome.kind, False
        return new

    def _insert_articles(self, s: Session, source_id: int, articles: Sequence[Article],
                         hashes: Sequence[int | None], stories: Sequence[int],
                         now: datetime) -> dict[str, int]:
        """Insert the articles in one statement; the ids of those inserted, by dedupe key."""
        rows = [{"source_id": source_id, "dedupe_key": dedupe_key(a), "guid": a.guid,
                 "url": a.url, "title": a.title, "body": a.body, "language": a.language,
                 "author": a.author, "published": a.published, "fetched_at": now,
                 "content_hash": a.content_hash,
                 "simhash": dedupe.to_signed(h) if h is not None else None,
                 "story_id": story if story > 0 else None}
                for a, h, story in zip(articles, hashes, stories, strict=True)]
        table = ArticleRow.__table__  # type: ignore[attr-defined]
        stmt = self._insert(table).on_conflict_do_nothing().returning(table.c.id,
                                                                      table.c.dedupe_key)
        return {str(key): int(aid) for aid, key in s.execute(stmt, rows)}

    @staticmethod
    def _insert_copy(s: Session, alert_id: int, article_id: int, article: Article,
                     source_id: int, source: str, now: datetime) -> None:
        s.add(AlertCopyRow(alert_id=alert_id, article_id=article_id, source_id=source_id,
                           source=source, url=article.url, title=article.title, created_at=now))

    def _insert_alert(self, s: Session, article_id: int, story_id: int, article: Article,
                      match: Match, source: str, now: datetime,
                      targets: Sequence[str]) -> NewAlert | None:
        payload = alert_payload(match, article, article_id, source, now)
        stmt = self._insert(AlertRow.__table__).values(  # type: ignore[attr-defined]
            rule_id=match.rule_id, rule_name=match.rule_name, article_id=article_id,
            story_id=story_id, score=match.score,
            evidence=json.dumps([e.to_dict() for e in match.evidence]),
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
                        source, match.evidence)

    def set_kind_auto(self, source_id: int, auto: bool = True) -> None:
        """Let the first good poll read the source's kind from its content."""
        with self.session() as s:
            row = s.get(SourceRow, source_id)
            if row is not None:
                row.kind_auto = auto

    def alert_copies(self, alert_ids: Sequence[int]) -> dict[int, list[AlertCopyRow]]:
        """The "also reported by" copies of these alerts, oldest first."""
        if not alert_ids:
            return {}
        out: dict[int, list[AlertCopyRow]] = {}
        with self.session() as s:
            for row in s.exec(select(AlertCopyRow).where(
                    col(AlertCopyRow.alert_id).in_(list(alert_ids)))
                    .order_by(col(AlertCopyRow.id))):
                out.setdefault(row.alert_id, []).append(row)
        return out

