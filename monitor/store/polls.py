"""Poll results: a poll's articles, story membership, alerts and deliveries in one transaction.

Data access only: which story an article joins, where an alert goes, what it says and whether
a story's later copy alerts again are the domain's, handed in as a ``PollPlan`` and called
back inside the transaction (see ``monitor.reader.stories``). Stories live in the database
(``articles.story_id`` and the SimHash band index ``story_bands``), so they survive restarts
and are shared by every worker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from monitor.errors import StoreError
from monitor.models import Article, NewAlert
from monitor.store.records import (
    PollAlert,
    PollArticle,
    PollOutcome,
    PollPlan,
    SavedPoll,
    StoryCandidates,
    dedupe_key,
)
from monitor.store.stories import StoryQueries
from monitor.store.storytables import StoryBandRow
from monitor.store.storyterms import find_terms, insert_terms, term_rows, vector_row
from monitor.store.tables import AlertCopyRow, AlertRow, ArticleRow, SourceRow

_CANDIDATES = 50  # band hits examined per article and band; bounds the near-dup lookup
_MASK = (1 << 64) - 1

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
           .where(_ARTICLES.c.url.in_(bindparam("values", expanding=True)),
                  _ARTICLES.c.source_id != bindparam("source"))
           .order_by(_ARTICLES.c.id))
_BY_BAND = (core_select(_BANDS.c.value, _BANDS.c.story_id, _BANDS.c.simhash,
                        _BANDS.c.event_key)
            .where(_BANDS.c.band == bindparam("band"),
                   _BANDS.c.value.in_(bindparam("values", expanding=True)),
                   _BANDS.c.created_at >= bindparam("since"))
            .limit(bindparam("limit")))  # no ORDER BY: it would scan past the index
_OWN_STORY = (update(_ARTICLES).where(_ARTICLES.c.id.in_(bindparam("ids", expanding=True)))
              .values(story_id=_ARTICLES.c.id))
_JOIN_STORY = (update(_ARTICLES).where(_ARTICLES.c.id.in_(bindparam("ids", expanding=True)))
               .values(story_id=bindparam("story")))


def _signed(h: int) -> int:
    """An unsigned 64-bit SimHash as a signed one, for BIGINT columns."""
    return h - (1 << 64) if h >= 1 << 63 else h


class PollQueries(StoryQueries):
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

    def save_poll(self, source_id: int, outcome: PollOutcome, plan: PollPlan | None = None, *,
                  now: datetime) -> SavedPoll:
        """Write a poll's result in ONE transaction: source state, articles, story membership,
        alerts, outbox. ``plan`` holds the new articles (none: only the source changes)."""
        alerts = SavedPoll()
        # Polls save from several threads at once: on SQLite the write lock is taken before
        # the first read, so the source row read is the one this transaction updates.
        with self.session(lock=True) as s:
            conn = s.connection()
            source = conn.execute(_SOURCE, {"sid": source_id}).first()
            if source is None:
                raise StoreError(f"source {source_id} does not exist")
            new = self._outcome_changes(conn, source, outcome, now)
            conn.execute(_UPDATE_SOURCE, {"sid": source_id, **new})  # the keys are the SET
            if plan is None or not plan.articles:
                return alerts
            items = plan.articles
            # Stories are decided first (a copy later in this poll joins an earlier article,
            # named by -1 - its index until it has an id), then all rows go in one statement.
            publisher = source_id if plan.one_publisher else None
            for attempt in range(2):
                found = self._candidates(conn, items, plan.since, publisher)
                if plan.link_since is not None:
                    find_terms(conn, found, items, plan.link_since, source_id=publisher)
                decided = plan.stories(found)
                # Another worker may have merged or pruned a story this plan names since the
                # candidates were read: read them again, behind its commit, and decide again.
                if self._lock_stories(conn, decided) or attempt:
                    break
            planned = decided.joins
            alerts.merged = self._merge_stories(conn, decided.merges, now)
            ids = self._insert_articles(s, source_id, items, planned, now)
            own: list[int] = []
            joined: dict[int, list[int]] = {}
            grown: set[int] = set()  # stored stories this poll adds to
            fresh: dict[int, str | None] = {}  # new stories: their language
            band_rows: list[dict[str, object]] = []
            term_list: list[dict[str, object]] = []
            vectors: list[dict[str, object]] = []
            name = new.get("title") or new.get("url", source.url)
            for n, item in enumerate(items):
                article_id = ids.get(dedupe_key(item.article))
                if article_id is None:
                    continue
                story_id = planned[n]
                if story_id >= 0:
                    grown.add(story_id)
                else:
                    story_id = ids.get(dedupe_key(items[-1 - story_id].article), article_id)
                    if story_id == article_id:
                        own.append(article_id)
                        fresh[article_id] = item.article.language
                    else:
                        joined.setdefault(story_id, []).append(article_id)
                if item.simhash is not None:
                    band_rows.extend(
                        {"band": band, "value": value, "article_id": article_id,
                         "story_id": story_id, "simhash": _signed(item.simhash),
                         "event_key": item.event_key, "created_at": now}
                        for band, value in enumerate(item.bands))
                term_list.extend(term_rows(item, article_id, story_id, now))
                if item.vector is not None:
                    vectors.append(vector_row(item, article_id, story_id, now))
                for alert in item.alerts:
                    earlier = (self._story_alert(s, alert.match.rule_id, story_id)
                               if story_id != article_id else None)
                    copy = plan.copy_of(alert, earlier)
                    if copy is not None:
                        s.add(AlertCopyRow(alert_id=copy, article_id=article_id,
                                           source_id=source_id, source=name,
                                           url=item.article.url, title=item.article.title,
                                           language=item.article.language, created_at=now))
                        continue
                    payload = plan.payload(alert.match, item.article, article_id, name, now)
                    made = self._insert_alert(s, article_id, story_id, item.article, alert,
                                              payload, name, now)
                    if made is not None:
                        alerts.append(made)
            if own:
                conn.execute(_OWN_STORY, {"ids": own})
            for story_id, members in joined.items():
                conn.execute(_JOIN_STORY, {"ids": members, "story": story_id})
            if band_rows:
                conn.execute(_BANDS.insert(), band_rows)
            insert_terms(conn, term_list, vectors)
            self._refresh_stories(conn, {*joined, *grown}, {
                sid: lang for sid, lang in fresh.items() if sid not in joined}, now)
            alerts.extend(self._breaking(s, grown, plan, now))
        return alerts

    @staticmethod
    def _candidates(conn: Connection, items: Sequence[PollArticle], since: datetime,
                    source_id: int | None) -> StoryCandidates:
        """Stored stories these articles may join, in a few indexed queries; by URL, not
        ``source_id``'s (one publisher's items sharing a link are not one page syndicated)."""
        found = StoryCandidates({}, {}, {})
        content = list({i.article.content_hash for i in items})
        urls = list({i.article.url for i in items if i.article.url})
        for chash, sid, aid in conn.execute(_BY_HASH, {"values": content}):
            found.by_hash.setdefault(chash, sid or aid or 0)
        if urls:
            for url, sid, aid in conn.execute(_BY_URL, {"values": urls,
                                                        "source": source_id or -1}):
                if url:
                    found.by_url.setdefault(url, sid or aid or 0)
        width = max((len(i.bands) for i in items), default=0)
        for band in range(width):
            values = list({i.bands[band] for i in items if len(i.bands) > band})
            if not values:
                continue
            rows = conn.execute(_BY_BAND, {"band": band, "values": values, "since": since,
                                           "limit": _CANDIDATES * len(values)})
            for value, sid, other, key in rows:
                found.by_band.setdefault((band, value), []).append((sid, other & _MASK, key))
        return found

    @staticmethod
    def _story_alert(s: Session, rule_id: str, story_id: int) -> int | None:
        """The story's first alert of this rule, if any (a merged story has one per story
        it was: copies are listed under the oldest)."""
        return s.exec(select(AlertRow.id).where(AlertRow.rule_id == rule_id,
                                                AlertRow.story_id == story_id,
                                                AlertRow.kind == "alert")
                      .order_by(col(AlertRow.id)).limit(1)).first()

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
        new["first_polled_at"] = source.first_polled_at or now
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

    def _insert_articles(self, s: Session, source_id: int, items: Sequence[PollArticle],
                         stories: Sequence[int], now: datetime) -> dict[str, int]:
        """Insert the articles in one statement; the ids of those inserted, by dedupe key."""
        rows = []
        for item, story in zip(items, stories, strict=True):
            a = item.article
            rows.append({"source_id": source_id, "dedupe_key": dedupe_key(a), "guid": a.guid,
                         "url": a.url, "title": a.title, "body": a.body,
                         "language": a.language, "author": a.author,
                         "published": a.published, "fetched_at": now,
                         "content_hash": a.content_hash,
                         "simhash": None if item.simhash is None else _signed(item.simhash),
                         "story_id": story if story > 0 else None})
        table = ArticleRow.__table__  # type: ignore[attr-defined]
        stmt = self._insert(table).on_conflict_do_nothing().returning(table.c.id,
                                                                      table.c.dedupe_key)
        return {str(key): int(aid) for aid, key in s.execute(stmt, rows)}

    def _insert_alert(self, s: Session, article_id: int, story_id: int, article: Article,
                      alert: PollAlert, payload: dict[str, Any], source: str,
                      now: datetime) -> NewAlert | None:
        match = alert.match
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
        self._insert_deliveries(s, alert_id, alert.targets, now)
        return NewAlert(alert_id, match.rule_id, match.rule_name, article.title, article.url,
                        source, match.evidence)

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

