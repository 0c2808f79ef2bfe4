"""The outbox on PostgreSQL: migration 0200, FIFO claims, leases, batched records, digests.

Runs against ``MONITOR_TEST_POSTGRES_URL`` (always under CI) in a database of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.delivery.targets import NoisePolicy
from monitor.store import Store
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import NOW, FakeClock, add_alerts, deliver_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store() -> Iterator[Store]:
    url = os.environ.get("MONITOR_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("MONITOR_TEST_POSTGRES_URL is not set under CI")
        pytest.skip("MONITOR_TEST_POSTGRES_URL is not set")
    name = f"monitor_delivery_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store.open(make_url(url).set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_outbox_works_on_postgres(pg_store: Store, server: LoopbackServer) -> None:
    answers = iter([500] + [200] * 20)
    server.route("/a", lambda _r: Reply(next(answers)))
    add_alerts(pg_store, 3)
    clock = FakeClock()
    claimed = pg_store.claim_target("a", NOW, worker="crashed", lease=timedelta(seconds=30),
                                    limit=10)
    assert len(claimed) == 3
    assert deliver_once(pg_store, {"a": server.url("/a")}, clock).delivered == 0  # leased
    clock.advance(31)
    report = deliver_once(pg_store, {"a": server.url("/a")}, clock, concurrency=1)
    assert (report.delivered, report.failed) == (0, 1)
    clock.advance(3600)
    assert deliver_once(pg_store, {"a": server.url("/a")}, clock, concurrency=1).delivered == 3
    assert [r.headers["webhook-id"] for r in server.received("/a")][1:] == \
        [c.webhook_id for c in claimed]
    [d] = [d for d in pg_store.deliveries() if d.id == claimed[0].delivery_id]
    assert [a.outcome for a in pg_store.attempts_of(d.id or 0)] == ["failed", "delivered"]


def test_digests_and_replay_on_postgres(pg_store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(404))
    noise = {"negotiations": NoisePolicy(digest_seconds=60)}
    clock = FakeClock()
    add_alerts(pg_store, 2)
    deliver_once(pg_store, {"a": server.url("/a")}, clock, noise=noise)
    clock.advance(60)
    deliver_once(pg_store, {"a": server.url("/a")}, clock, noise=noise)
    [dead] = pg_store.deliveries("dead")
    assert dead.kind == "digest" and dead.alert_id is None
    server.route("/a", Reply(200))
    assert pg_store.replay(clock(), failed=True) == 1
    assert deliver_once(pg_store, {"a": server.url("/a")}, clock, noise=noise).delivered == 1
    assert len({r.headers["webhook-id"] for r in server.received("/a")}) == 1
