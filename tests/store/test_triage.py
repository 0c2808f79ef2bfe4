"""Triage verdicts: muting a story marks every alert of it, a verdict replaces the last one
and can be cleared, and the per-rule counts behind the precision keep to their window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import col, select

from monitor.store import Store
from monitor.store.tables import AlertRow, ArticleRow, SourceRow
from monitor.store.triage import precision, set_triage, triage_counts, triage_of

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def _alerts(store: Store) -> list[int]:
    """Six alerts: two stories of two (1-2 sanctions, 3-4 embassies), two alone."""
    with store.session() as s:
        s.execute(insert(SourceRow), [{
            "kind": "feed", "url": "https://news.example/feed", "title": "News", "labels": "",
            "enabled": True, "interval_seconds": 900, "created_at": NOW, "next_check_at": NOW,
            "consecutive_failures": 0, "unhealthy": False, "kind_auto": False}])
    with store.session() as s:
        source = s.exec(select(SourceRow.id)).one()
        s.execute(insert(ArticleRow), [{
            "source_id": source, "dedupe_key": f"k{i}", "url": f"https://a/{i}",
            "title": f"Story {i}", "body": "text", "language": "en", "published": NOW,
            "fetched_at": NOW, "content_hash": f"{i:064x}", "story_id": i} for i in range(6)])
    with store.session() as s:
        articles = list(s.exec(select(ArticleRow.id).order_by(col(ArticleRow.id))).all())
        story = (articles[0], articles[0], articles[2], articles[2], None, None)
        s.execute(insert(AlertRow), [{
            "rule_id": ("sanctions", "embassies")[n // 2 % 2], "rule_name": "R",
            "article_id": articles[n], "story_id": story[n], "score": 1.0, "evidence": "[]",
            "payload": "{}", "created_at": NOW} for n in range(6)])
    with store.session() as s:
        return [i or 0 for i in s.exec(select(AlertRow.id).order_by(col(AlertRow.id))).all()]


@pytest.mark.backends
def test_mute_a_story_replace_clear_and_count_within_the_window(db_url: str) -> None:
    store = Store.open(db_url)
    a = _alerts(store)
    assert set_triage(store, a[0], "muted", NOW) == [a[0], a[1]]  # the whole story
    assert triage_of(store, a) == {a[0]: "muted", a[1]: "muted"}
    assert set_triage(store, a[1], "relevant", NOW) == [a[1]]  # one alert of it, relevant
    assert triage_of(store, a) == {a[0]: "muted", a[1]: "relevant"}
    assert set_triage(store, a[4], "muted", NOW) == [a[4]]  # an alert alone is its story
    assert set_triage(store, a[4], None, NOW) == [a[4]]  # cleared
    assert a[4] not in triage_of(store, a)
    assert set_triage(store, 10**9, "relevant", NOW) is None
    set_triage(store, a[2], "false_alarm", NOW - timedelta(days=31))  # outside the window
    set_triage(store, a[3], "false_alarm", NOW - timedelta(days=29))
    set_triage(store, a[5], "relevant", NOW)
    counts = triage_counts(store, NOW - timedelta(days=30))
    assert counts == {"sanctions": {"muted": 1, "relevant": 2},
                      "embassies": {"false_alarm": 1}}
    assert precision(counts["sanctions"]) == 1.0  # muted counts for neither side
    assert precision(counts["embassies"]) == 0.0
    assert precision({"muted": 3}) is None
    store.close()
