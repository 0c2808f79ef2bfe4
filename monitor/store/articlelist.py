"""Stored articles as people and backtests read them: filtered pages, newest first (keyset by
id: ``before`` is the last id of the previous page), and the articles fetched since a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select

from monitor.store.sql import Store
from monitor.store.tables import ArticleRow, SourceRow


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ArticleFilter:
    text: str | None = None
    language: str | None = None
    source_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def articles_page(store: Store, f: ArticleFilter, *, limit: int, before: int | None = None
                  ) -> list[ArticleRow]:
    """Stored articles, newest first, filtered by text (title or body), language, source, time."""
    q = select(ArticleRow)
    if before is not None:
        q = q.where(col(ArticleRow.id) < before)
    if f.text:
        pattern = _like(f.text)
        q = q.where(or_(col(ArticleRow.title).ilike(pattern, escape="\\"),
                        col(ArticleRow.body).ilike(pattern, escape="\\")))
    if f.language:
        q = q.where(ArticleRow.language == f.language)
    if f.source_id is not None:
        q = q.where(ArticleRow.source_id == f.source_id)
    if f.since is not None:
        q = q.where(col(ArticleRow.fetched_at) >= f.since)
    if f.until is not None:
        q = q.where(col(ArticleRow.fetched_at) < f.until)
    with store.session() as s:
        return list(s.exec(q.order_by(col(ArticleRow.id).desc()).limit(limit)).all())


def articles_since(store: Store, since: datetime, *, after: int = 0, limit: int = 500
                   ) -> list[tuple[ArticleRow, SourceRow]]:
    """Articles fetched since ``since`` with their sources, in id order after ``after``."""
    with store.session() as s:
        rows = s.exec(select(ArticleRow, SourceRow)
                      .join(SourceRow, col(SourceRow.id) == col(ArticleRow.source_id))
                      .where(col(ArticleRow.id) > after, col(ArticleRow.fetched_at) >= since)
                      .order_by(col(ArticleRow.id)).limit(limit)).all()
    return [(a, src) for a, src in rows]


def get_article(store: Store, article_id: int) -> ArticleRow | None:
    with store.session() as s:
        return s.get(ArticleRow, article_id)
