"""The outbox worker against real receivers on loopback: retries, order, isolation, leases."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from monitor.delivery.worker import RetryPolicy
from monitor.store import Store
from monitor.testing import LoopbackServer, Reply, Request
from tests.deliveryhelp import (
    NOW,
    SECRET,
    FakeClock,
    add_alerts,
    deliver_once,
    deliverer,
    webhooks,
)


def test_a_delivery_records_its_attempt(store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(204))
    add_alerts(store, 2)
    report = deliver_once(store, {"a": server.url("/a")}, FakeClock())
    assert (report.delivered, report.failed, report.dead) == (2, 0, 0)
    for d in store.deliveries():
        assert d.status == "delivered" and d.attempts == 1
        [attempt] = store.attempts_of(d.id or 0)
        assert attempt.status_code == 204 and attempt.outcome == "delivered"
        assert attempt.latency_ms is not None and attempt.error is None


def test_retries_back_off_with_jitter_and_keep_the_webhook_id(store: Store,
                                                              server: LoopbackServer) -> None:
    answers = iter([500, 500, 200])
    server.route("/a", lambda _r: Reply(next(answers)))
    add_alerts(store, 1)
    clock = FakeClock()
    assert deliver_once(store, {"a": server.url("/a")}, clock).failed == 1
    [d] = store.deliveries()
    # attempt 1 waits between base/2 and base (60 s)
    assert NOW + timedelta(seconds=30) <= d.next_attempt_at <= NOW + timedelta(seconds=60)
    [attempt] = store.attempts_of(d.id or 0)
    assert attempt.status_code == 500 and attempt.next_attempt_at == d.next_attempt_at
    assert deliver_once(store, {"a": server.url("/a")}, clock).delivered == 0  # not yet due
    clock.now = d.next_attempt_at
    deliver_once(store, {"a": server.url("/a")}, clock)
    [d2] = store.deliveries()
    assert d2.next_attempt_at - clock.now >= timedelta(seconds=60)  # attempt 2: 60..120 s
    clock.now = d2.next_attempt_at
    assert deliver_once(store, {"a": server.url("/a")}, clock).delivered == 1
    got = server.received("/a")
    assert len(got) == 3 and len({r.headers["webhook-id"] for r in got}) == 1
    for r in got:
        Webhook(SECRET).verify(r.body, r.headers)
    assert len({r.body for r in got}) == 1  # the frozen payload, byte for byte


@pytest.mark.parametrize(("status", "outcome"), [
    (400, "dead"), (401, "dead"), (404, "dead"), (422, "dead"),
    (408, "pending"), (409, "pending"), (425, "pending"), (429, "pending"),
    (500, "pending"), (502, "pending"), (503, "pending"), (302, "pending"), (301, "pending"),
])
def test_which_answers_are_retried(store: Store, server: LoopbackServer, status: int,
                                   outcome: str) -> None:
    server.route("/a", Reply(status, headers={"location": server.url("/moved")}))
    server.route("/moved", Reply(200))
    add_alerts(store, 1)
    deliver_once(store, {"a": server.url("/a")}, FakeClock())
    [d] = store.deliveries()
    assert d.status == outcome and d.last_status_code == status
    assert server.received("/moved") == []  # redirects are never followed


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(store: Store, server: LoopbackServer, status: int) -> None:
    server.route("/a", Reply(status, headers={"retry-after": "7200"}))
    add_alerts(store, 1)
    deliver_once(store, {"a": server.url("/a")}, FakeClock())
    [d] = store.deliveries()
    assert d.next_attempt_at >= NOW + timedelta(seconds=7200)


def test_retry_after_on_other_errors_is_ignored(store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(500, headers={"retry-after": "7200"}))
    add_alerts(store, 1)
    deliver_once(store, {"a": server.url("/a")}, FakeClock())
    assert store.deliveries()[0].next_attempt_at <= NOW + timedelta(seconds=60)


def test_a_timeout_is_a_failure_to_retry(store: Store, server: LoopbackServer) -> None:
    release = threading.Event()

    def hang(_r: Request) -> Reply:
        release.wait(10)
        return Reply(200)

    server.route("/a", hang)
    add_alerts(store, 1)
    try:
        report = deliver_once(store, {"a": server.url("/a")}, FakeClock(), timeout=0.2)
    finally:
        release.set()
    assert report.failed == 1
    [d] = store.deliveries()
    assert d.status == "pending" and "Timeout" in (d.last_error or "")


def test_410_disables_the_target_and_replay_brings_everything_back(
        store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(410))
    server.route("/b", Reply(200))
    add_alerts(store, 3, targets=("a", "b"))
    clock = FakeClock()
    urls = {"a": server.url("/a"), "b": server.url("/b")}
    deliver_once(store, urls, clock, concurrency=1)
    assert "a" in store.disabled_targets()
    assert [d.status for d in store.deliveries(target="a")] == ["dead"] * 3
    assert [d.status for d in store.deliveries(target="b")] == ["delivered"] * 3
    assert len(server.received("/a")) == 1
    add_alerts(store, 1, targets=("a", "b"))
    deliver_once(store, urls, clock)
    assert len(server.received("/a")) == 1  # a disabled target gets nothing, misses nothing:
    assert [d.status for d in store.deliveries(target="a")] == ["dead"] * 4
    server.route("/a", Reply(200))
    assert store.enable_target("a")
    assert store.replay(clock(), failed=True) == 4
    assert deliver_once(store, urls, clock, concurrency=1).delivered == 4
    ids = [d.webhook_id for d in store.deliveries(target="a")]
    assert [r.headers["webhook-id"] for r in server.received("/a")][1:] == ids
    assert server.received("/a")[0].headers["webhook-id"] == ids[0]  # the same message again


def test_past_the_horizon_a_delivery_is_dead_until_replayed(store: Store,
                                                            server: LoopbackServer) -> None:
    server.route("/a", Reply(503))
    add_alerts(store, 1)
    clock = FakeClock()
    policy = RetryPolicy(base_seconds=600, max_seconds=3600, horizon=timedelta(hours=3))
    for _ in range(20):
        deliver_once(store, {"a": server.url("/a")}, clock, policy=policy)
        [d] = store.deliveries()
        if d.status == "dead":
            break
        clock.now = d.next_attempt_at
    assert d.status == "dead" and d.attempts >= 3
    assert clock.now - NOW <= timedelta(hours=3)
    server.route("/a", Reply(200))
    assert store.replay(clock(), ids=[d.id or 0]) == 1
    assert deliver_once(store, {"a": server.url("/a")}, clock, policy=policy).delivered == 1
    assert len({r.headers["webhook-id"] for r in server.received("/a")}) == 1


def test_a_target_receives_in_creation_order_when_its_head_fails(
        store: Store, server: LoopbackServer) -> None:
    answers = iter([500] + [200] * 10)
    server.route("/a", lambda _r: Reply(next(answers)))
    add_alerts(store, 4)
    clock = FakeClock()
    deliver_once(store, {"a": server.url("/a")}, clock, concurrency=1)
    assert len(server.received("/a")) == 1  # the newer ones wait behind the failed head
    clock.advance(3600)
    assert deliver_once(store, {"a": server.url("/a")}, clock, concurrency=1).delivered == 4
    order = [r.headers["webhook-id"] for r in server.received("/a")][1:]
    assert order == [d.webhook_id for d in store.deliveries()]


def test_concurrency_per_target_is_limited(store: Store, server: LoopbackServer) -> None:
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(_r: Request) -> Reply:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        threading.Event().wait(0.05)
        with lock:
            state["now"] -= 1
        return Reply(200)

    server.route("/a", slow)
    add_alerts(store, 12)
    assert deliver_once(store, {"a": server.url("/a")}, FakeClock(), concurrency=3).delivered \
        == 12
    assert 1 <= state["max"] <= 3


def test_a_hanging_receiver_does_not_hold_up_the_others(store: Store,
                                                        server: LoopbackServer) -> None:
    release = threading.Event()

    def hang(_r: Request) -> Reply:
        release.wait(20)
        return Reply(200)

    server.route("/slow", hang)
    server.route("/fast", Reply(200))
    add_alerts(store, 3, targets=("slow", "fast"))

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            d = deliverer(store, webhooks({"slow": server.url("/slow"),
                                           "fast": server.url("/fast")}, client), FakeClock())
            d.start_due()
            fast, slow = d.lanes["fast"].task, d.lanes["slow"].task
            assert fast is not None and slow is not None
            assert (await fast).delivered == 3
            assert not slow.done()  # still waiting on its receiver; nobody waited for it
            release.set()
            assert (await d.wait_idle()).delivered == 6  # both lanes, fast one included
            assert (await slow).delivered == 3

    try:
        asyncio.run(go())
    finally:
        release.set()


def test_the_circuit_breaker_sends_one_probe_after_repeated_failures(
        store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(500))
    add_alerts(store, 8)
    clock = FakeClock()

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            d = deliverer(store, webhooks({"a": server.url("/a")}, client), clock,
                          concurrency=8)
            await d.deliver_due()
            assert len(server.received("/a")) == 8  # all in flight together, all failed
            assert d.lanes["a"].breaker.open
            clock.advance(86000)
            await d.deliver_due()
            assert len(server.received("/a")) == 9  # one probe, not another 8
            server.route("/a", Reply(200))
            clock.advance(86000)
            assert (await d.deliver_due()).delivered == 8  # the probe closed it
            assert not d.lanes["a"].breaker.open

    asyncio.run(go())
