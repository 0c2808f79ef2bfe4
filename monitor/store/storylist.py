"""Stories as listed to people (``monitor stories``, ``/api/v1/stories``): filtered pages of
the ``stories`` rows, newest story first, each with its members, sources, rules and breaking
alerts, in one shape for the command line and the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func
from sqlalchemy import select as core_select
from sqlmodel import col, select

from monitor.store.sql import Store
from monitor.store.storytables import StoryMergeRow, StoryRow
from monitor.store.tables import AlertRow, ArticleRow, SourceRow

MEMBERS_LISTED = 20  # members of each story in a list; ``show`` gives up to MEMBERS_SHOWN
MEMBERS_SHOWN = 500
# Ids and counts are 32-bit INTEGER columns on PostgreSQL, which refuses a bigger operand
# (and any text holding NUL) instead of comparing: such a filter matches nothing, or all.
_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class StoryFilter:
    since: datetime | None = None  # last seen at or after
    rule: str | None = None  # a rule alerted on it
    language: str | None = None  # a member is in this language
    min_sources: int | None = None  # told by at least this many distinct sources
    min_articles: int | None = None  # told at least this many times (the console's default)


@dataclass
class StoryView:
    """A story with what people ask of it."""

    row: StoryRow
    title: str = ""
    url: str | None = None
    members: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[int, str] = field(default_factory=dict)  # first reporter first
    rules: list[str] = field(default_factory=list)
    breaking: list[dict[str, Any]] = field(default_factory=list)
    merged: list[dict[str, Any]] = field(default_factory=list)  # stories merged into it

    def to_dict(self) -> dict[str, Any]:
        r = self.row
        return {"id": r.id, "title": self.title, "url": self.url,
                "first_seen": iso(r.first_seen), "last_seen": iso(r.last_seen),
                "articles": r.articles,
                "sources": [{"id": sid, "name": name} for sid, name in self.sources.items()],
                "languages": [lang for lang in r.languages.split(",") if lang],
                "rules": self.rules, "breaking": self.breaking, "merged": self.merged,
                "members": self.members}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat().replace(
        "+00:00", "Z")


def _utc(value: datetime) -> datetime:
    """``value`` in UTC (SQLite compares the digits); a time at the calendar's very ends
    whose offset would leave it, as the end itself."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


def stories_page(store: Store, f: StoryFilter, *, limit: int, before: int | None = None,
                 members: int = MEMBERS_LISTED) -> list[StoryView]:
    """Up to ``limit`` stories, newest first (by id, the first article's), below ``before``."""
    if (f.min_sources or 0) > _INT_MAX or (f.min_articles or 0) > _INT_MAX or any(
            "\0" in (text or "") for text in (f.rule, f.language)):
        return []
    if before is not None and before > _INT_MAX:
        before = None
    q = select(StoryRow)
    if f.since is not None:
        q = q.where(col(StoryRow.last_seen) >= _utc(f.since))
    if f.min_sources:
        q = q.where(col(StoryRow.sources) >= f.min_sources)
    if f.min_articles:
        q = q.where(col(StoryRow.articles) >= f.min_articles)
    if f.rule:
        q = q.where(exists().where(and_(col(AlertRow.story_id) == col(StoryRow.id),
                                        col(AlertRow.rule_id) == f.rule)))
    if f.language:
        q = q.where(exists().where(and_(col(ArticleRow.story_id) == col(StoryRow.id),
                                        col(ArticleRow.language) == f.language)))
    if before is not None:
        q = q.where(col(StoryRow.id) < before)
    with store.session() as s:
        rows = list(s.exec(q.order_by(col(StoryRow.id).desc()).limit(limit)).all())
    return _filled(store, rows, members)


def get_story(store: Store, story_id: int, *, members: int = MEMBERS_SHOWN) -> StoryView | None:
    if not 0 < story_id <= _INT_MAX:
        return None
    with store.session() as s:
        row = s.get(StoryRow, story_id)
    return _filled(store, [row], members)[0] if row is not None else None


def merged_into(store: Store, story_id: int) -> int | None:
    """The story that a story merged away became part of, or None (never merged, or the
    story kept is gone too)."""
    if not 0 < story_id <= _INT_MAX:
        return None
    with store.session() as s:
        row = s.get(StoryMergeRow, story_id)
    return row.story_id if row is not None else None


def _filled(store: Store, rows: Sequence[StoryRow], limit: int) -> list[StoryView]:
    """The stories with their first ``limit`` members, sources, rules and breaking alerts."""
    views = {r.id: StoryView(r) for r in rows}
    if not views:
        return []
    ids = list(views)
    a, src = ArticleRow.__table__, SourceRow.__table__  # type: ignore[attr-defined]
    rank = func.row_number().over(partition_by=a.c.story_id, order_by=a.c.id).label("n")
    ranked = (core_select(a.c.story_id, a.c.id, a.c.title, a.c.url, a.c.language,
                          a.c.published, a.c.fetched_at, a.c.source_id, rank)
              .where(a.c.story_id.in_(ids)).subquery())
    members = (core_select(ranked, src.c.title.label("source_title"),
                           src.c.url.label("source_url"))
               .join(src, src.c.id == ranked.c.source_id)
               .where(ranked.c.n <= limit).order_by(ranked.c.story_id, ranked.c.id))
    sources = (core_select(a.c.story_id, a.c.source_id, func.min(a.c.id), src.c.title,
                           src.c.url)
               .join(src, src.c.id == a.c.source_id).where(a.c.story_id.in_(ids))
               .group_by(a.c.story_id, a.c.source_id, src.c.title, src.c.url)
               .order_by(func.min(a.c.id)))
    al = AlertRow.__table__  # type: ignore[attr-defined]
    rules = (core_select(al.c.story_id, al.c.rule_id, al.c.kind, func.min(al.c.id),
                         func.min(al.c.created_at))
             .where(al.c.story_id.in_(ids)).group_by(al.c.story_id, al.c.rule_id, al.c.kind)
             .order_by(func.min(al.c.id)))
    with store.session() as s:
        conn = s.connection()
        for m in conn.execute(members).mappings():
            view = views[m["story_id"]]
            if not view.members:  # the first article (or, once it was pruned, the next)
                view.title, view.url = m["title"], m["url"]
            view.members.append({
                "article": m["id"], "title": m["title"], "url": m["url"],
                "language": m["language"], "source_id": m["source_id"],
                "source": m["source_title"] or m["source_url"],
                "published": iso(m["published"]), "fetched": iso(m["fetched_at"])})
        for story_id, source_id, _first, title, url in conn.execute(sources):
            views[story_id].sources[source_id] = title or url
        for story_id, rule_id, kind, alert_id, at in conn.execute(rules):
            view = views[story_id]
            if kind == "breaking":
                view.breaking.append({"rule": rule_id, "alert": alert_id, "at": iso(at)})
            elif rule_id not in view.rules:
                view.rules.append(rule_id)
        merged = (select(StoryMergeRow).where(col(StoryMergeRow.story_id).in_(ids))
                  .order_by(col(StoryMergeRow.id)))
        for row in s.exec(merged):
            views[row.story_id].merged.append({"story": row.id, "at": iso(row.merged_at)})
    return [views[r.id] for r in rows]
