"""Several workers on one database: migrations, claims and inserts under real races.

Each test runs on SQLite and on the real PostgreSQL server (``MONITOR_TEST_POSTGRES_URL``);
workers are threads with their own ``Store`` (own engine, own connections), started together
at a barrier, so the database alone keeps them apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import inspect, text

from monitor.app import ensure_default_source
from monitor.clock import Clock
from monitor.config import Settings
from monitor.models import Article, Evidence, Match
from monitor.store import PollOutcome, Store
from monitor.store.records import Attempt
from tests.conftest import ROOT
from tests.pollhelp import save_found

pytestmark = pytest.mark.backends  # SQLite and PostgreSQL

NOW = datetime(2025, 1, 1, tzinfo=UTC)
T = TypeVar("T")


def together(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``n`` threads released at once; re-raise the first failure."""
    barrier = threading.Barrier(n)
    results: list[T | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    return [r for r in results if r is not None]


@pytest.mark.empty_database
def test_workers_starting_at_once_migrate_once_and_seed_one_source(db_url: str) -> None:
    settings = Settings(database_url=db_url, seeds_dir=ROOT / "seeds", worker_id="w")
    clock: Clock = lambda: NOW  # noqa: E731

    def start(_i: int) -> int:
        store = Store.open(db_url)
        try:
            ensure_default_source(store, settings, clock)
            return store.count_sources()
        finally:
            store.close()

    assert together(6, start) == [1] * 6
    store = Store.open(db_url)
    try:
        assert {"sources", "articles", "alerts", "deliveries", "meta"} <= set(
            inspect(store.engine).get_table_names())
        with store.engine.connect() as conn:
            assert conn.execute(text("select count(*) from alembic_version")).scalar_one() == 1
    finally:
        store.close()


def test_each_due_source_is_claimed_by_exactly_one_worker(db_url: str) -> None:
    setup = Store.open(db_url)
    for n in range(120):
        setup.add_source("feed", f"http://127.0.0.1/f{n}", interval=60, now=NOW)
    setup.close()

    def worker(i: int) -> list[int]:
        store = Store.open(db_url)
        mine: list[int] = []
        try:
            while rows := store.claim_sources(NOW, worker=f"w{i}", lease=timedelta(minutes=5),
                                              limit=3):
                mine.extend(r.id for r in rows if r.id is not None)
        finally:
            store.close()
        return mine

    claimed = together(6, worker)
    everything = [sid for mine in claimed for sid in mine]
    assert len(everything) == len(set(everything)) == 120


def test_expired_leases_go_to_other_workers_and_removed_sources_to_none(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        a = store.add_source("feed", "http://127.0.0.1/a", interval=60, now=NOW)
        b = store.add_source("feed", "http://127.0.0.1/b", interval=60, now=NOW)
        assert a.id is not None and b.id is not None
        lease = timedelta(seconds=30)
        assert len(store.claim_sources(NOW, worker="dead", lease=lease)) == 2  # then killed
        assert store.claim_sources(NOW + timedelta(seconds=29), worker="w2", lease=lease) == []
        assert store.remove_source(b.id)  # seen by every worker at its next claim
        later = NOW + timedelta(seconds=31)
        # A worker whose own poll of a outlived the lease does not poll it a second time.
        assert store.claim_sources(later, worker="dead", lease=lease, exclude={a.id}) == []
        taken = store.claim_sources(later, worker="w2", lease=lease)
        assert [(r.id, r.lease_owner) for r in taken] == [(a.id, "w2")]
    finally:
        store.close()


def _article(n: int) -> Article:
    return Article(title=f"Sanctions {n}", body="New sanctions were imposed.", guid=f"g{n}",
                   content_hash=f"h{n}")


def test_racing_writers_never_duplicate_an_article_alert_or_delivery(db_url: str) -> None:
    setup = Store.open(db_url)
    src = setup.add_source("feed", "http://127.0.0.1/f", interval=60, now=NOW)
    setup.close()
    assert src.id is not None
    match = Match("sanctions", "Sanctions", 1.0,
                  (Evidence("sanctions", "title", 0, 9, "Sanctions", "«Sanctions»"),))
    found = [(_article(n), [match]) for n in range(30)]

    def write(_i: int) -> int:
        store = Store.open(db_url)
        try:
            alerts = save_found(store, src.id or 0, PollOutcome("ok", NOW), found,
                                targets=["default", "audit"], now=NOW)
            return len(alerts)
        finally:
            store.close()

    assert sum(together(4, write)) == 30  # every alert reported by exactly one writer
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            def pair(sql: str) -> tuple[int, int]:
                row = conn.execute(text(sql)).one()
                return int(row[0]), int(row[1])

            assert pair("select count(*), count(distinct guid) from articles") == (30, 30)
            assert pair("select count(*), count(distinct article_id) from alerts") == (30, 30)
            assert pair("select count(*), count(distinct webhook_id) from deliveries") == (60, 60)
    finally:
        store.close()


def test_each_due_delivery_is_claimed_by_exactly_one_worker(db_url: str) -> None:
    setup = Store.open(db_url)
    src = setup.add_source("feed", "http://127.0.0.1/f", interval=60, now=NOW)
    assert src.id is not None
    match = Match("sanctions", "Sanctions", 1.0, ())
    save_found(setup, src.id, PollOutcome("ok", NOW), [(_article(n), [match]) for n in range(60)],
               targets=["default"], now=NOW)
    setup.close()

    def worker(i: int) -> list[int]:
        store = Store.open(db_url)
        mine: list[int] = []
        try:
            # The real path: claim the head of the target's queue, send, record, repeat.
            while items := store.claim_target("default", NOW, worker=f"w{i}",
                                              lease=timedelta(minutes=5), limit=2):
                mine.extend(item.delivery_id for item in items)
                for item in items:
                    done = [Attempt(item.delivery_id, "delivered", 200, 1.0)]
                    store.record_attempts(done, now=NOW, worker=f"w{i}")
        finally:
            store.close()
        return mine

    everything = [d for mine in together(5, worker) for d in mine]
    assert len(everything) == len(set(everything)) == 60


@pytest.mark.empty_database
def test_the_schema_migrates_on_an_empty_database_and_reruns_as_a_no_op(
        db_url: str, tmp_path: Path) -> None:
    for _ in range(2):
        store = Store.open(db_url)
        with store.engine.connect() as conn:
            assert conn.execute(text("select count(*) from alembic_version")).scalar_one() == 1
        assert store.get_meta("absent") is None
        store.set_meta("k", "1")
        store.set_meta("k", "2")
        assert store.get_meta("k") == "2"
        store.close()


@pytest.mark.slow
def test_fresh_sqlite_files_opened_by_many_workers_at_once(tmp_path: Path) -> None:
    # The switch to WAL is refused at once ("database is locked", no busy wait) while another
    # connection opens the same new file; each worker must still open it.
    for n in range(6):
        url = f"sqlite:///{tmp_path / f'race{n}.db'}"

        def start(_i: int, url: str = url) -> bool:
            Store.open(url).close()
            return True

        assert together(8, start) == [True] * 8
