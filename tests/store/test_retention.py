"""Retention: old articles and their finished alerts go, in batches, on one worker a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.models import Article, Match
from monitor.pruner import Pruner
from monitor.store import PollOutcome, Store
from monitor.store.records import Attempt
from tests.conftest import CLI
from tests.pollhelp import save_found

pytestmark = pytest.mark.backends  # SQLite and PostgreSQL

T0 = datetime(2025, 1, 1, tzinfo=UTC)
MATCH = Match("sanctions", "Sanctions", 1.0, ())


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _poll(store: Store, source_id: int, names: list[str], at: datetime) -> None:
    found = [(Article(title=n, body=f"body {n}", guid=n, content_hash=f"h-{n}"), [MATCH])
             for n in names]
    save_found(store, source_id, PollOutcome("ok", at), found, targets=["default"], now=at)


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"select count(*) from {table}")).scalar_one())


def _titles(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(text("select title from articles"))}


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store.open(db_url)
    src = store.add_source("feed", "http://127.0.0.1/f", interval=60, now=T0)
    assert src.id is not None
    old = [f"old{n}" for n in range(7)]
    _poll(store, src.id, [*old, "old-pending"], T0)
    _poll(store, src.id, ["new"], T0 + timedelta(days=80))
    for d in store.deliveries("pending"):  # all sent, but one still waits for its receiver
        if d.alert_id != _alert_of(store, "old-pending"):
            store.record_attempts([Attempt(d.id or 0, "delivered", 200, 1.0)], now=T0,
                          worker="test")
    yield store
    store.close()


def _alert_of(store: Store, title: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(
            "select alerts.id from alerts join articles on articles.id = alerts.article_id "
            "where articles.title = :t"), {"t": title}).scalar_one())


def test_prune_deletes_old_articles_with_their_alerts_in_batches(store: Store) -> None:
    clock = Clock(T0 + timedelta(days=100))
    pruner = Pruner(store, clock, worker="w1", retention_days=90, batch=3)
    report = pruner.run_if_due()
    assert report is not None
    assert (report.counts.articles, report.counts.alerts, report.counts.deliveries,
            report.counts.attempts) == (7, 7, 7, 7)
    assert report.batches == 3  # 3 + 3 + 1
    # The article whose alert still waits for delivery stays, and so does the recent one.
    assert _titles(store) == {"old-pending", "new"}
    assert _count(store, "alerts") == 2 and _count(store, "deliveries") == 2


def test_prune_runs_daily_for_the_whole_deployment_and_one_worker_at_a_time(
        store: Store) -> None:
    clock = Clock(T0 + timedelta(days=100))
    a = Pruner(store, clock, worker="a", retention_days=90)
    b = Pruner(store, clock, worker="b", retention_days=90)
    assert store.try_job_lease("prune", worker="a", now=clock(), ttl=timedelta(minutes=10))
    assert b.run_if_due() is None  # a holds the lease (a prune in progress there)
    assert _count(store, "articles") == 9
    store.release_job_lease("prune", worker="a")
    assert b.run_if_due() is not None
    assert a.run_if_due() is None  # b pruned less than a day ago
    clock.now += timedelta(days=1, minutes=1)
    assert a.run_if_due() is not None


def test_a_dead_workers_prune_lease_expires(store: Store) -> None:
    now = T0 + timedelta(days=100)
    assert store.try_job_lease("prune", worker="dead", now=now, ttl=timedelta(minutes=10))
    assert not store.try_job_lease("prune", worker="b", now=now + timedelta(minutes=9),
                                   ttl=timedelta(minutes=10))
    assert store.try_job_lease("prune", worker="b", now=now + timedelta(minutes=11),
                               ttl=timedelta(minutes=10))


def test_zero_days_keeps_everything_forever(store: Store) -> None:
    clock = Clock(T0 + timedelta(days=10_000))
    assert Pruner(store, clock, worker="w", retention_days=0).run_if_due() is None
    assert _count(store, "articles") == 9


@pytest.mark.parametrize(("name", "value"), [("MONITOR_RETENTION_DAYS", "-1"),
                                             ("MONITOR_RETENTION_DAYS", "ninety"),
                                             ("MONITOR_LEASE_SECONDS", "0")])
def test_bad_retention_or_lease_settings_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_retention_and_lease_settings() -> None:
    settings = load_settings({"MONITOR_RETENTION_DAYS": "0", "MONITOR_LEASE_SECONDS": "30",
                              "MONITOR_WORKER_ID": "box-1"})
    assert (settings.retention_days, settings.lease_seconds, settings.worker_id) == (
        0, 30.0, "box-1")
    assert load_settings({}).retention_days == 90


def test_monitor_prune_deletes_now_and_reports(cli: CLI, db_url: str) -> None:
    store = Store.open(db_url)
    src = store.add_source("feed", "http://127.0.0.1/f", interval=60, now=T0)
    _poll(store, src.id or 0, ["old"], T0)  # 2025: long past any retention
    store.close()
    kept = cli("prune", "--days", "30")  # its alert is not delivered yet: everything stays
    assert kept.returncode == 0 and "0 articles, 0 alerts" in kept.stdout, kept.stderr
    store = Store.open(db_url)
    [pending] = store.deliveries("pending")
    store.record_attempts([Attempt(pending.id or 0, "delivered", 200, 1.0)], now=T0,
                          worker="test")
    store.close()
    done = cli("prune", "--days", "30")
    assert done.returncode == 0, done.stderr
    assert "1 articles, 1 alerts, 1 deliveries" in done.stdout
    assert "retention is 0" in cli("prune", "--days", "0").stdout
    bad = cli("prune", MONITOR_RETENTION_DAYS="-3")
    assert bad.returncode == 2 and "MONITOR_RETENTION_DAYS" in bad.stderr
