"""Triage (a person's verdict on an alert) and the alert inbox the console reads it through.

States: ``relevant``, ``false_alarm``, ``muted`` (the whole story: every alert of it). Precision
per rule is relevant / (relevant + false alarm) over a window; muted stories count for neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from monitor.store.sql import Store
from monitor.store.tables import AlertCopyRow, AlertRow, ArticleRow, SourceRow, TriageRow

STATES = ("relevant", "false_alarm", "muted")


@dataclass(frozen=True)
class InboxFilter:
    rules: Sequence[str] = ()  # empty: every rule
    language: str | None = None
    source_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    state: str | None = None  # a state, "untriaged", or None for all


@dataclass(frozen=True)
class InboxItem:
    alert: AlertRow
    article: ArticleRow
    source: SourceRow
    state: str | None
    copies: list[AlertCopyRow]


def set_triage(store: Store, alert_id: int, state: str | None, now: datetime) -> list[int] | None:
    """Record ``state`` (None clears it) on an alert, or on every alert of its story when
    muting; the ids changed, or None when there is no such alert."""
    with store.session() as s:
        alert = s.get(AlertRow, alert_id)
        if alert is None:
            return None
        targets = [alert]
        if state == "muted" and alert.story_id is not None:
            targets = list(s.exec(select(AlertRow).where(AlertRow.story_id == alert.story_id)))
        ids = [a.id for a in targets if a.id is not None]
        s.execute(delete(TriageRow).where(col(TriageRow.alert_id).in_(ids)))
        if state is not None:
            for a in targets:
                assert a.id is not None
                s.add(TriageRow(alert_id=a.id, rule_id=a.rule_id, state=state, at=now))
        return ids


def triage_of(store: Store, alert_ids: Sequence[int]) -> dict[int, str]:
    with store.session() as s:
        rows = s.exec(select(TriageRow.alert_id, TriageRow.state)
                      .where(col(TriageRow.alert_id).in_(list(alert_ids)))).all()
    return {alert_id: state for alert_id, state in rows}


def triage_counts(store: Store, since: datetime) -> dict[str, dict[str, int]]:
    """Per rule, how many alerts were judged each way since ``since``."""
    with store.session() as s:
        rows = s.exec(select(TriageRow.rule_id, TriageRow.state, func.count())
                      .where(col(TriageRow.at) >= since)
                      .group_by(col(TriageRow.rule_id), col(TriageRow.state))).all()
    out: dict[str, dict[str, int]] = {}
    for rule_id, state, n in rows:
        out.setdefault(rule_id, {})[state] = int(n)
    return out


def precision(counts: dict[str, int]) -> float | None:
    judged = counts.get("relevant", 0) + counts.get("false_alarm", 0)
    return counts.get("relevant", 0) / judged if judged else None


def page_query(f: InboxFilter, *, limit: int, before: int | None = None
               ) -> SelectOfScalar[int | None]:
    """The ids of an inbox page, newest first: filters go through the alerts table and
    covering indexes only, so a filter that matches few alerts never reads article rows."""
    q = select(col(AlertRow.id))
    if before is not None:
        q = q.where(col(AlertRow.id) < before)
    if f.rules:
        q = q.where(col(AlertRow.rule_id).in_(list(f.rules)))
    if f.language:
        q = q.where(col(AlertRow.article_id).in_(
            select(ArticleRow.id).where(ArticleRow.language == f.language)))
    if f.source_id is not None:
        q = q.where(col(AlertRow.article_id).in_(
            select(ArticleRow.id).where(ArticleRow.source_id == f.source_id)))
    if f.since is not None:
        q = q.where(col(AlertRow.created_at) >= f.since)
    if f.until is not None:
        q = q.where(col(AlertRow.created_at) < f.until)
    if f.state == "untriaged":
        q = q.where(~exists().where(col(TriageRow.alert_id) == col(AlertRow.id)))
    elif f.state:
        q = q.where(col(AlertRow.id).in_(
            select(TriageRow.alert_id).where(TriageRow.state == f.state)))
    return q.order_by(col(AlertRow.id).desc()).limit(limit)


def inbox(store: Store, f: InboxFilter, *, limit: int, before: int | None = None
          ) -> list[InboxItem]:
    """Alerts newest first with their article, source, triage state and later copies.

    Two steps: the page's ids (``page_query``), then the page's rows."""
    with store.session() as s:
        ids = list(s.exec(page_query(f, limit=limit, before=before)).all())
        rows = s.exec(select(AlertRow, ArticleRow, SourceRow, TriageRow.state)
                      .join(ArticleRow, col(ArticleRow.id) == col(AlertRow.article_id))
                      .join(SourceRow, col(SourceRow.id) == col(ArticleRow.source_id))
                      .outerjoin(TriageRow, col(TriageRow.alert_id) == col(AlertRow.id))
                      .where(col(AlertRow.id).in_(ids))
                      .order_by(col(AlertRow.id).desc())).all()
        copies: dict[int, list[AlertCopyRow]] = {}
        for c in s.exec(select(AlertCopyRow).where(col(AlertCopyRow.alert_id).in_(ids))
                        .order_by(col(AlertCopyRow.id))):
            copies.setdefault(c.alert_id, []).append(c)
    return [InboxItem(a, art, src, state, copies.get(a.id or 0, []))
            for a, art, src, state in rows]


def languages(store: Store, most: int = 200) -> list[str]:
    """The languages of the stored articles, for the inbox's filter: one seek per language
    along ``ix_articles_language`` (a skip scan), so the cost does not grow with the table."""
    found: list[str] = []
    with store.session() as s:
        while len(found) < most:
            q = select(func.min(ArticleRow.language)).where(col(ArticleRow.language) > (
                found[-1] if found else ""))
            lang = s.exec(q).one()
            if lang is None:
                break
            found.append(lang)
    return found


def source_names(store: Store) -> list[tuple[int, str]]:
    with store.session() as s:
        rows = s.exec(select(SourceRow.id, SourceRow.title, SourceRow.url)
                      .order_by(col(SourceRow.id))).all()
    return [(sid or 0, title or url) for sid, title, url in rows]
