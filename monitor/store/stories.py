"""Story rows and the breaking-story check, inside a poll's one transaction (data access only).

A poll refreshes the ``stories`` row of every story it added to (two grouped statements for
the whole poll). When an article joins a stored story that a rule with a breaking threshold
alerted on, the facts are read in a few indexed, bounded queries (the story's distinct
sources within the rule's window, then the rule's recent stories for the baseline) and the
decision, made by the reader (``PollPlan.breaks``), may add one ``breaking`` alert per rule
and story, with its deliveries: the same outbox as every alert.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, distinct, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session

from monitor.models import Article, NewAlert
from monitor.store.base import StoreBase
from monitor.store.records import (
    BreakingRule,
    BreakingStory,
    PollPlan,
    StoryDecisions,
    StorySource,
)
from monitor.store.storytables import (
    StoryBandRow,
    StoryMergeRow,
    StoryRow,
    StoryTermRow,
    StoryVectorRow,
)
from monitor.store.tables import AlertRow, ArticleRow, DeliveryRow, SourceRow

BASELINE_STORIES = 500  # the rule's most recent stories its median is taken over
MEMBERS_NAMED = 200  # members read to name a breaking story's sources and languages

_ARTICLES = ArticleRow.__table__  # type: ignore[attr-defined]
_ALERTS = AlertRow.__table__  # type: ignore[attr-defined]
_SOURCES = SourceRow.__table__  # type: ignore[attr-defined]
_STORIES = StoryRow.__table__  # type: ignore[attr-defined]
_MERGES = StoryMergeRow.__table__  # type: ignore[attr-defined]
# The index rows that name their article's story: moved with it when two stories are one.
_INDEXES = (StoryBandRow.__table__, StoryTermRow.__table__,  # type: ignore[attr-defined]
            StoryVectorRow.__table__)  # type: ignore[attr-defined]
_MEMBER_IDS = core_select(_ARTICLES.c.id).where(_ARTICLES.c.story_id == bindparam("story"))
_CHUNK = 500  # article ids per statement
_AGGREGATE = (core_select(_ARTICLES.c.story_id, func.min(_ARTICLES.c.fetched_at),
                          func.max(_ARTICLES.c.fetched_at), func.count(),
                          func.count(distinct(_ARTICLES.c.source_id)))
              .where(_ARTICLES.c.story_id.in_(bindparam("ids", expanding=True)))
              .group_by(_ARTICLES.c.story_id))
_LANGUAGES = (core_select(_ARTICLES.c.story_id, _ARTICLES.c.language).distinct()
              .where(_ARTICLES.c.story_id.in_(bindparam("ids", expanding=True)),
                     _ARTICLES.c.language.is_not(None)))
_LOCK = (core_select(_STORIES.c.id).where(_STORIES.c.id.in_(bindparam("ids", expanding=True)))
         .order_by(_STORIES.c.id).with_for_update())  # in id order: no deadlock between polls
_STORY_RULES = (core_select(_ALERTS.c.rule_id, _ALERTS.c.kind).distinct()
                .where(_ALERTS.c.story_id == bindparam("story")))
_IN_WINDOW = (core_select(func.count(distinct(_ARTICLES.c.source_id)))
              .where(_ARTICLES.c.story_id == bindparam("story"),
                     _ARTICLES.c.fetched_at >= bindparam("since")))
_BASELINE = (core_select(_ALERTS.c.story_id, _STORIES.c.sources)
             .join(_STORIES, _STORIES.c.id == _ALERTS.c.story_id)
             .where(_ALERTS.c.rule_id == bindparam("rule"), _ALERTS.c.kind == "alert",
                    _ALERTS.c.created_at >= bindparam("since"),
                    _ALERTS.c.story_id != bindparam("story"))
             .order_by(_ALERTS.c.created_at.desc()).limit(BASELINE_STORIES))
_LEAD = (core_select(_ARTICLES.c.id, _ARTICLES.c.title, _ARTICLES.c.url, _ARTICLES.c.language,
                     _ARTICLES.c.published, _ARTICLES.c.author, _ARTICLES.c.source_id,
                     _SOURCES.c.title, _SOURCES.c.url)
         .join(_SOURCES, _SOURCES.c.id == _ARTICLES.c.source_id)
         .where(_ARTICLES.c.story_id == bindparam("story"))
         .order_by(_ARTICLES.c.id).limit(1))  # the first article, or the first one left
_MEMBERS = (core_select(_ARTICLES.c.source_id, _SOURCES.c.title, _SOURCES.c.url,
                        _ARTICLES.c.language)
            .join(_SOURCES, _SOURCES.c.id == _ARTICLES.c.source_id)
            .where(_ARTICLES.c.story_id == bindparam("story"))
            .order_by(_ARTICLES.c.id).limit(MEMBERS_NAMED))


_UPSERTS: dict[str, Any] = {}


def median(values: Sequence[int]) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


class StoryQueries(StoreBase):
    def _refresh_stories(self, conn: Connection, recount: Iterable[int],
                         single: Mapping[int, str | None] | None = None,
                         now: datetime | None = None) -> None:
        """Write the ``stories`` rows of a poll: ``recount`` from their articles, the new
        stories of one article fetched ``now`` (``single``, with its language) as they are."""
        rows = [{"id": sid, "first_seen": now, "last_seen": now, "articles": 1, "sources": 1,
                 "languages": lang or ""} for sid, lang in (single or {}).items()]
        wanted = sorted(set(recount))
        if wanted:
            if conn.dialect.name == "postgresql":
                # Polls adding to one story at once would each count without the other's
                # article; the row lock makes the later one wait, and its counts (and its
                # breaking check) then see the earlier one's (each statement a new snapshot).
                conn.execute(_LOCK, {"ids": wanted})
            langs: dict[int, set[str]] = {}
            for sid, language in conn.execute(_LANGUAGES, {"ids": wanted}):
                langs.setdefault(sid, set()).add(language)
            rows.extend({"id": sid, "first_seen": first, "last_seen": last, "articles": n,
                         "sources": sources, "languages": ",".join(sorted(langs.get(sid, ())))}
                        for sid, first, last, n, sources in conn.execute(_AGGREGATE,
                                                                         {"ids": wanted}))
        if rows:
            conn.execute(self._upsert_story(), rows)
        if single and conn.dialect.name == "sqlite":
            # SQLite may give a deleted article's id again: a new story is no merged one.
            conn.execute(_MERGES.delete().where(_MERGES.c.id.in_(sorted(single))))

    @staticmethod
    def _lock_stories(conn: Connection, decided: StoryDecisions) -> bool:
        """On PostgreSQL, lock the stored stories a poll's plan names, in id order (as every
        poll, merge and removal does: no deadlock); False when one is gone meanwhile (merged
        into another or pruned by another worker), so the plan is stale. SQLite writes one
        transaction at a time: nothing moves under a plan there."""
        if conn.dialect.name != "postgresql":
            return True
        wanted = sorted({*(s for s in decided.joins if s >= 0), *decided.merges,
                         *decided.merges.values()})
        if not wanted:
            return True
        return len(conn.execute(_LOCK, {"ids": wanted}).all()) == len(wanted)

    @staticmethod
    def _merge_stories(conn: Connection, merges: Mapping[int, int], now: datetime
                       ) -> dict[int, int]:
        """Fold each absorbed story into the one it is kept as: its articles, alerts and index
        rows move, its row goes (the kept story's is recounted with the poll's) and its id
        leads to the kept one (``story_merges``, as do the ids merged into it before). The
        index rows are found through their articles (their story columns are not indexed).
        Gives the merges done: a story gone meanwhile (a stale plan, made again once on
        PostgreSQL and still stale) is no merge, and gets no redirect."""
        done: dict[int, int] = {}
        for absorbed, kept in sorted(merges.items()):
            members = [int(i) for i in conn.execute(_MEMBER_IDS, {"story": absorbed}).scalars()]
            for start in range(0, len(members), _CHUNK):
                chunk = members[start:start + _CHUNK]
                for table in _INDEXES:
                    conn.execute(update(table).where(table.c.article_id.in_(chunk))
                                 .values(story_id=kept))
            for table in (_ARTICLES, _ALERTS):
                conn.execute(update(table).where(table.c.story_id == absorbed)
                             .values(story_id=kept))
            if conn.execute(_STORIES.delete().where(_STORIES.c.id == absorbed)).rowcount:
                done[absorbed] = kept
        if done:
            # A row of an id reused since (SQLite may reuse the highest ids once deleted).
            conn.execute(_MERGES.delete().where(_MERGES.c.id.in_(sorted(done))))
            conn.execute(_MERGES.insert(), [{"id": absorbed, "story_id": kept, "merged_at": now}
                                            for absorbed, kept in sorted(done.items())])
            for absorbed, kept in sorted(done.items()):
                conn.execute(update(_MERGES).where(_MERGES.c.story_id == absorbed)
                             .values(story_id=kept))
        return done

    @staticmethod
    def lock_stories_of(conn: Connection, articles: Any) -> None:
        """On PostgreSQL, before deleting these articles (ids, or a select of them) and their
        rows: lock their stories' rows in id order, as a poll and a merge lock them first (a
        merge moving those rows meanwhile would otherwise wait on ours while we wait on it)."""
        if conn.dialect.name != "postgresql":
            return
        ids = sorted({int(i) for i in conn.execute(
            core_select(_ARTICLES.c.story_id).distinct().where(
                _ARTICLES.c.id.in_(articles), _ARTICLES.c.story_id.is_not(None))).scalars()})
        if ids:
            conn.execute(_LOCK, {"ids": ids})

    def recount_stories(self, conn: Connection, ids: Iterable[int]) -> None:
        """After articles were deleted: the rows of these stories recounted, or deleted with
        their last article."""
        wanted = sorted(set(ids))
        if not wanted:
            return
        conn.execute(_STORIES.delete().where(
            _STORIES.c.id.in_(wanted),
            ~core_select(_ARTICLES.c.id).where(_ARTICLES.c.story_id == _STORIES.c.id).exists()))
        # The ids merged into a story that is gone lead nowhere: "no story" again.
        conn.execute(_MERGES.delete().where(
            _MERGES.c.story_id.in_(wanted),
            ~core_select(_STORIES.c.id).where(_STORIES.c.id == _MERGES.c.story_id).exists()))
        self._refresh_stories(conn, wanted)

    def _upsert_story(self) -> Any:
        """The row upsert, built once per dialect (building costs more than running it)."""
        name = self.engine.dialect.name
        if name not in _UPSERTS:
            stmt = self._insert(_STORIES)
            _UPSERTS[name] = stmt.on_conflict_do_update(
                index_elements=[_STORIES.c.id],
                set_={c: stmt.excluded[c] for c in ("first_seen", "last_seen", "articles",
                                                    "sources", "languages")})
        return _UPSERTS[name]

    def _breaking(self, s: Session, stories: Iterable[int], plan: PollPlan,
                  now: datetime) -> list[NewAlert]:
        """The breaking alerts of these stored stories, which this poll added to."""
        if not plan.breaking or plan.breaking_payload is None:
            return []
        conn = s.connection()
        made: list[NewAlert] = []
        for story_id in sorted(set(stories)):
            kinds: dict[str, set[str]] = {}
            for rule_id, kind in conn.execute(_STORY_RULES, {"story": story_id}):
                kinds.setdefault(rule_id, set()).add(kind)
            for rule_id, seen in sorted(kinds.items()):
                rule = plan.breaking.get(rule_id)
                if rule is None or "alert" not in seen or "breaking" in seen:
                    continue
                story = self._story_facts(conn, rule, story_id, now)
                if story is None or not plan.breaks(story):
                    continue
                story = self._named(conn, story)
                payload = plan.breaking_payload(story, now)
                alert = self._insert_breaking(s, story, payload, now)
                if alert is not None:
                    made.append(alert)
        return made

    @staticmethod
    def _story_facts(conn: Connection, rule: BreakingRule, story_id: int,
                     now: datetime) -> BreakingStory | None:
        in_window = conn.execute(_IN_WINDOW, {"story": story_id,
                                              "since": now - rule.window}).scalar_one()
        if in_window < rule.min_sources:  # the cheap test first: most stories stop here
            return None
        seen: dict[int, int] = {}
        for sid, sources in conn.execute(_BASELINE, {"rule": rule.rule_id, "story": story_id,
                                                     "since": now - rule.baseline}):
            seen.setdefault(sid, sources)
        lead = conn.execute(_LEAD, {"story": story_id}).first()
        row = conn.execute(_STORIES.select().where(_STORIES.c.id == story_id)).first()
        if lead is None or row is None:
            return None
        lead_id, title, url, language, published, author, source_id, src_title, src_url = lead
        article = Article(title=title, body="", url=url, language=language,
                          published=published, author=author, source_id=source_id,
                          id=str(lead_id))
        return BreakingStory(rule, story_id, article, src_title or src_url, row.first_seen,
                             row.articles, int(in_window), median(list(seen.values())),
                             len(seen))

    @staticmethod
    def _named(conn: Connection, story: BreakingStory) -> BreakingStory:
        """The story with its sources (first reporter first) and their languages."""
        names: dict[int, str] = {}
        langs: dict[int, list[str]] = {}
        for source_id, title, url, language in conn.execute(_MEMBERS,
                                                           {"story": story.story_id}):
            names.setdefault(source_id, title or url)
            got = langs.setdefault(source_id, [])
            if language and language not in got:
                got.append(language)
        sources = tuple(StorySource(sid, name, tuple(langs[sid])) for sid, name in names.items())
        return BreakingStory(**{**story.__dict__, "sources": sources})

    def _insert_breaking(self, s: Session, story: BreakingStory, payload: dict[str, object],
                         now: datetime) -> NewAlert | None:
        rule = story.rule
        row = s.execute(self._insert(_ALERTS).values(
            rule_id=rule.rule_id, rule_name=rule.rule_name, article_id=int(story.lead.id or 0),
            story_id=story.story_id, score=float(story.in_window), evidence="[]",
            payload=json.dumps(payload, ensure_ascii=False), created_at=now, kind="breaking",
        ).on_conflict_do_nothing().returning(_ALERTS.c.id)).first()
        if row is None:  # another worker raised it first
            return None
        self._insert_deliveries(s, int(row[0]), rule.targets, now)
        return NewAlert(int(row[0]), rule.rule_id, rule.rule_name, story.lead.title,
                        story.lead.url, story.lead_source, kind="breaking")

    def _insert_deliveries(self, s: Session, alert_id: int, targets: Sequence[str],
                           now: datetime) -> None:
        for target in targets:
            # ON CONFLICT: one delivery per (alert, target) even if two writers race.
            s.execute(self._insert(DeliveryRow.__table__).values(  # type: ignore[attr-defined]
                alert_id=alert_id, target=target, webhook_id=f"msg_{uuid.uuid4().hex}",
                status="pending", attempts=0, created_at=now, next_attempt_at=now,
            ).on_conflict_do_nothing())
