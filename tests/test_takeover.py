"""Crash take-over: short leases that a live worker renews (a heartbeat) while it works.

A dead worker's sources and deliveries are taken over within about a minute by default; a
live worker whose poll or delivery batch outlasts its lease keeps it. The real processes
(SIGKILL, restart, two workers) are in tests/delivery/test_crash.py and
tests/test_postgres_workers.py; here the heartbeat itself, in process, on both backends.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.app import delivery_client, open_app
from monitor.clock import utcnow
from monitor.config import Settings, load_settings
from monitor.delivery.worker import Deliverer
from monitor.settings import boot_id
from monitor.store import Store
from monitor.takeover import reclaim_leases
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import add_alerts, webhooks

pytestmark = pytest.mark.slow  # started first when the tests run in parallel

LEASE = 1.5  # seconds: the slow work below takes three times as long (margins for a loaded CI)
SLOW = 4.5

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>
<item><title>Embassy reopens</title><guid>s-1</guid><description>Reopened.</description></item>
</channel></rss>"""


def test_by_default_a_dead_workers_work_is_taken_over_within_a_minute() -> None:
    settings = load_settings({})
    assert settings.lease_seconds <= 60
    assert settings.delivery_lease_seconds <= 60


@pytest.mark.backends
def test_a_live_poll_longer_than_its_lease_keeps_it(settings: Settings,
                                                    server: LoopbackServer) -> None:
    server.route("/slow", Reply(200, RSS, {"content-type": "application/rss+xml"}, delay=SLOW))
    settings = replace(settings, lease_seconds=LEASE, seeds_dir=settings.seeds_dir / "none")
    others: list[float] = []  # when another worker took the source, seconds into the poll

    async def go() -> str:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            app.store.add_source("feed", server.url("/slow"), interval=600, now=utcnow())
            began = time.monotonic()
            polling = asyncio.ensure_future(app.pipeline.poll_due())
            # Another worker tries all along the poll, past two leases, and stops a second
            # before the slow answer can have come: a poll that has ended has released its
            # lease, and a claim then, delayed on a loaded machine, would take it rightly.
            while time.monotonic() - began < SLOW - 1.0:
                await asyncio.sleep(0.2)
                claimed = await asyncio.to_thread(app.store.claim_sources, utcnow(),
                                                  worker="other", lease=timedelta(minutes=1),
                                                  due_only=False)
                others.extend(round(time.monotonic() - began, 2) for _r in claimed)
            reports = await polling
            return reports[0].status

    assert asyncio.run(go()) == "ok"
    assert others == []  # never taken over from the live worker
    assert len(server.received("/slow")) == 1


@pytest.mark.backends
def test_a_live_delivery_batch_longer_than_its_lease_keeps_it(db_url: str,
                                                              server: LoopbackServer) -> None:
    server.route("/a", Reply(200, delay=SLOW))
    store = Store.open(db_url)
    add_alerts(store, 2, now=utcnow())
    others: list[int] = []

    async def go() -> int:
        async with delivery_client({}) as client:
            d = Deliverer(store, webhooks({"a": server.url("/a")}, client), utcnow,
                          worker="alive", concurrency=2, lease=timedelta(seconds=LEASE),
                          rng=random.Random(1))
            sending = asyncio.ensure_future(d.deliver_due())
            for _ in range(int(SLOW / 0.2)):
                await asyncio.sleep(0.2)
                claimed = await asyncio.to_thread(store.claim_target, "a", utcnow(),
                                                  worker="other", lease=timedelta(minutes=1),
                                                  limit=10)
                others.extend(c.delivery_id for c in claimed)
            return (await sending).delivered

    assert asyncio.run(go()) == 2
    assert others == []
    assert len(server.received("/a")) == 2  # each sent once
    store.close()


@pytest.mark.backends
def test_a_restart_releases_the_leases_its_killed_predecessor_left(db_url: str) -> None:
    store = Store.open(db_url)
    add_alerts(store, 2, targets=("a", "b"), now=utcnow())
    now = utcnow()
    store.claim_target("a", now, worker="me", lease=timedelta(minutes=1), limit=2)
    store.claim_target("b", now, worker="someone-else", lease=timedelta(minutes=1), limit=1)
    # a default id (host:pid:boot) of a process of this machine that no longer runs
    gone = f"{os.uname().nodename}:{2 ** 22 + 7}:{boot_id()}"
    src = store.add_source("feed", "http://127.0.0.1/x", interval=60, now=now)
    assert len(store.claim_sources(now, worker=gone, lease=timedelta(minutes=1),
                                   due_only=False)) == 2  # with add_alerts' source
    assert reclaim_leases(store, "me") == (2, 2)
    owners = {d.lease_owner for d in store.deliveries()}
    assert owners == {None, "someone-else"}  # a live (or unknown) worker's lease stays
    assert store.get_source(src.id or 0).lease_owner is None  # type: ignore[union-attr]
    store.close()
