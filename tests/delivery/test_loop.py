"""The deliverer keeps the event loop free: a slow database stalls no other coroutine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
from sqlalchemy import Engine

from monitor.store import Attempt, OutboxItem, Store
from monitor.store.outbox_types import Gate
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import FakeClock, add_alerts, deliverer, webhooks

STALL = 0.5  # seconds each claim and each record blocks its thread
TICK = 0.01


class SlowStore(Store):
    """A database that answers every claim and every record after a blocking pause."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.stalled: list[str] = []  # appended from worker threads (append is atomic)

    def claim_target(self, target: str, now: datetime, *, worker: str, lease: timedelta,
                     limit: int, gate: Gate | None = None) -> list[OutboxItem]:
        self.stalled.append(f"claim {target}")
        time.sleep(STALL)
        return super().claim_target(target, now, worker=worker, lease=lease, limit=limit,
                                    gate=gate)

    def record_attempts(self, attempts: Sequence[Attempt], *, now: datetime,
                        worker: str) -> None:
        self.stalled.append("record")
        time.sleep(STALL)
        super().record_attempts(attempts, now=now, worker=worker)


def test_store_calls_run_off_the_event_loop(db_url: str, server: LoopbackServer) -> None:
    server.route("/a", Reply(200))
    server.route("/b", Reply(200))
    store = SlowStore.open(db_url)
    add_alerts(store, 2, targets=("a", "b"))
    gaps: list[float] = []

    async def go() -> int:
        done = asyncio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not done.is_set():
                await asyncio.sleep(TICK)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        ticking = asyncio.create_task(ticker())
        async with httpx.AsyncClient() as client:
            urls = {"a": server.url("/a"), "b": server.url("/b")}
            d = deliverer(store, webhooks(urls, client), FakeClock())
            report = await d.deliver_due()
        done.set()
        await ticking
        return report.delivered

    try:
        assert asyncio.run(go()) == 4
    finally:
        store.close()
    # Per lane: claim, record, claim (empty): every one of them stalled, none stalled the loop.
    assert sorted(store.stalled) == ["claim a"] * 2 + ["claim b"] * 2 + ["record"] * 2
    assert len(gaps) > 20
    assert max(gaps) < STALL / 2, f"the event loop was blocked for {max(gaps):.3f} s"
