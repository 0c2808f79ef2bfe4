"""The outbox worker and its targets: leases, secrets, rule targets, Retry-After, channels."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from standardwebhooks.webhooks import Webhook

from monitor.store import Store
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import (
    NOW,
    SECRET,
    SECRET2,
    FakeClock,
    add_alerts,
    deliver_once,
    deliverer,
    webhooks,
)


def test_a_crashed_workers_lease_expires_and_the_message_keeps_its_id(
        store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(200))
    add_alerts(store, 2)
    claimed = store.claim_target("a", NOW, worker="crashed", lease=timedelta(minutes=5),
                                 limit=10)
    assert len(claimed) == 2  # ... and that worker dies before recording anything
    clock = FakeClock()
    assert deliver_once(store, {"a": server.url("/a")}, clock).delivered == 0
    clock.advance(301)
    assert deliver_once(store, {"a": server.url("/a")}, clock, concurrency=1).delivered == 2
    assert [r.headers["webhook-id"] for r in server.received("/a")] == \
        [c.webhook_id for c in claimed]


def test_every_active_secret_signs(store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(200))
    add_alerts(store, 1)
    deliver_once(store, {"a": server.url("/a")}, FakeClock(), secrets=(SECRET2, SECRET))
    [r] = server.received("/a")
    assert len(r.headers["webhook-signature"].split(" ")) == 2
    Webhook(SECRET).verify(r.body, r.headers)  # a receiver on the old secret
    Webhook(SECRET2).verify(r.body, r.headers)  # and one already on the new one


def test_a_rule_chooses_its_targets(store: Store) -> None:
    add_alerts(store, 1, targets=("a", "b", "c"), notify=("b",))
    add_alerts(store, 1, targets=("a", "b"))
    assert sorted(d.target for d in store.deliveries()) == ["a", "b", "b"]


def test_retry_after_as_an_http_date(store: Store, server: LoopbackServer) -> None:
    import time
    from email.utils import formatdate

    server.route("/a", Reply(503, headers={"retry-after": formatdate(time.time() + 7200,
                                                                      usegmt=True)}))
    add_alerts(store, 1)
    deliver_once(store, {"a": server.url("/a")}, FakeClock())
    assert store.deliveries()[0].next_attempt_at >= NOW + timedelta(seconds=7000)


class BrokenChannel:
    """A channel plugin with a bug: it raises instead of returning a SendResult."""

    name = "broken"
    timeout = 5.0

    async def send(self, item: object) -> object:
        raise RuntimeError("plugin bug")


def test_a_broken_channel_harms_neither_the_others_nor_its_alerts(
        store: Store, server: LoopbackServer) -> None:
    server.route("/ok", Reply(200))
    add_alerts(store, 2, targets=("broken", "ok"))
    clock = FakeClock()

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            notifiers = {**webhooks({"ok": server.url("/ok")}, client),
                         "broken": BrokenChannel()}
            d = deliverer(store, notifiers, clock)  # type: ignore[arg-type]
            assert (await d.deliver_due()).delivered == 2

    asyncio.run(go())
    assert [d.status for d in store.deliveries(target="broken")] == ["pending"] * 2
    clock.advance(301)  # the lease runs out: the alerts are still there to send
    claimed = store.claim_target("broken", clock(), worker="w", lease=timedelta(minutes=5),
                                 limit=10)
    assert len(claimed) == 2
