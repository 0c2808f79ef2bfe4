"""The console's inbox queries: every filter and the paging give the right alerts, and on
SQLite a filter that matches few alerts reads covering indexes, never every article row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert
from sqlmodel import select

from monitor.store import Store
from monitor.store.tables import AlertRow, ArticleRow, SourceRow
from monitor.store.triage import InboxFilter, inbox, languages, page_query, set_triage

NOW = datetime(2025, 3, 1, tzinfo=UTC)
LANGS = ("en", "de", "fr")


def _fill(store: Store, alerts: int = 30) -> None:
    with store.session() as s:
        s.execute(insert(SourceRow), [{
            "kind": "feed", "url": f"https://news{i}.example/feed", "title": f"News {i}",
            "labels": "", "enabled": True, "interval_seconds": 900, "created_at": NOW,
            "next_check_at": NOW, "consecutive_failures": 0, "unhealthy": False,
            "kind_auto": False} for i in (1, 2)])
    with store.session() as s:
        first = s.exec(select(func.min(SourceRow.id))).one() or 0
        s.execute(insert(ArticleRow), [{
            "source_id": first + i % 2, "dedupe_key": f"k{i}", "url": f"https://a/{i}",
            "title": f"Story {i}", "body": "text", "language": LANGS[i % 3],
            "published": NOW, "fetched_at": NOW, "content_hash": f"{i:064x}",
            "story_id": i} for i in range(alerts)])
    with store.session() as s:
        s.execute(insert(AlertRow), [{
            "rule_id": ("sanctions", "embassies")[n % 2], "rule_name": "R", "article_id": n + 1,
            "story_id": n, "score": 1.0, "evidence": "[]", "payload": "{}",
            "created_at": NOW - timedelta(hours=alerts - n)} for n in range(alerts)])


def _ids(store: Store, f: InboxFilter, limit: int = 100, before: int | None = None
         ) -> list[int]:
    return [it.alert.id or 0 for it in inbox(store, f, limit=limit, before=before)]


@pytest.mark.backends
def test_each_filter_and_paging_give_the_right_alerts(db_url: str) -> None:
    store = Store.open(db_url)
    _fill(store)
    every = _ids(store, InboxFilter())
    assert every == sorted(every, reverse=True) and len(every) == 30
    # alert n+1 is on article n+1, whose index i = n has language LANGS[n % 3]
    assert _ids(store, InboxFilter(language="de")) == [a for a in every if (a - 1) % 3 == 1]
    assert _ids(store, InboxFilter(language="xx")) == []
    assert _ids(store, InboxFilter(rules=["embassies"])) == [a for a in every if a % 2 == 0]
    by_source = _ids(store, InboxFilter(source_id=inbox(store, InboxFilter(), limit=1)[0]
                                        .source.id))
    assert by_source == [a for a in every if a % 2 == every[0] % 2]
    assert _ids(store, InboxFilter(since=NOW - timedelta(hours=3))) == every[:3]
    assert _ids(store, InboxFilter(until=NOW - timedelta(hours=28))) == every[-2:]
    set_triage(store, every[-1], "relevant", NOW)
    set_triage(store, every[-2], "false_alarm", NOW)
    assert _ids(store, InboxFilter(state="relevant")) == [every[-1]]
    assert _ids(store, InboxFilter(state="false_alarm", language=None)) == [every[-2]]
    assert _ids(store, InboxFilter(state="untriaged")) == every[:-2]
    assert [it.state for it in inbox(store, InboxFilter(state="relevant"), limit=5)] \
        == ["relevant"]
    page1 = _ids(store, InboxFilter(language="en"), limit=4)
    page2 = _ids(store, InboxFilter(language="en"), limit=4, before=page1[-1])
    assert page1 + page2 == _ids(store, InboxFilter(language="en"))[:8]
    assert languages(store) == ["de", "en", "fr"]
    store.close()


def test_sqlite_filters_read_covering_indexes(tmp_path: Path) -> None:
    """The plan behind the 200 ms a page: without ix_articles_language and
    ix_alert_triage_state these filters read an article row or scan per alert."""
    store = Store.open(f"sqlite:///{tmp_path / 'plan.db'}")
    _fill(store, alerts=3)

    def plan(f: InboxFilter) -> str:
        q = page_query(f, limit=51)
        compiled = q.compile(store.engine, compile_kwargs={"literal_binds": True})
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        return "\n".join(str(r[-1]) for r in rows)

    assert "COVERING INDEX ix_articles_language" in plan(InboxFilter(language="de"))
    assert "COVERING INDEX ix_alert_triage_state" in plan(InboxFilter(state="relevant"))
    assert "COVERING INDEX ix_articles_source_id" in plan(InboxFilter(source_id=1))
    for f in (InboxFilter(language="de"), InboxFilter(state="relevant"),
              InboxFilter(source_id=1), InboxFilter(state="untriaged")):
        assert "SCAN articles" not in plan(f) and "SEARCH articles USING INTEGER" \
            not in plan(f), plan(f)
    store.close()
