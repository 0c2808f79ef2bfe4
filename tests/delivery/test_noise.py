"""Noise control: throttled rules fold their overflow into a digest, digest rules send one a window.

Every body that reaches the receiver is validated against the published JSON Schema.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from monitor.config import Settings
from monitor.daemon import run_once
from monitor.delivery.noise import NoiseGate
from monitor.delivery.targets import NoisePolicy, Throttle
from monitor.store import Store
from monitor.store.outbox_types import HeldGroup, Waiting
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import NOW, FakeClock, add_alerts, deliver_once

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schema" /
                     "alert-payload.schema.json").read_text(encoding="utf-8"))


def valid(body: bytes) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(body)
    jsonschema.validate(payload, SCHEMA, cls=jsonschema.Draft202012Validator)
    return payload


@pytest.fixture
def store(db_url: str) -> Store:
    return Store.open(db_url)


def test_a_throttle_lets_n_through_and_folds_the_rest_into_one_digest(
        store: Store, server: LoopbackServer) -> None:
    server.route("/a", Reply(200))
    noise = {"negotiations": NoisePolicy(throttle=Throttle(2, 3600))}
    clock = FakeClock()  # NOW is 12:00 sharp: the window is 12:00-13:00
    add_alerts(store, 5)
    add_alerts(store, 2, rule="sanctions")  # other rules are not throttled
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    sent = [valid(r.body) for r in server.received("/a")]
    assert sorted(p["data"]["rule"]["id"] for p in sent) == ["negotiations"] * 2 + ["sanctions"] * 2
    assert sorted(d.status for d in store.deliveries()) == ["delivered"] * 4 + ["held"] * 3
    clock.advance(1800)
    add_alerts(store, 1, now=clock())
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    assert len(server.received("/a")) == 4  # still over the limit in this window
    clock.now = datetime(2025, 1, 1, 13, 0, tzinfo=UTC)
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    digest = valid(server.received("/a")[-1].body)
    assert digest["type"] == "digest" and digest["data"]["count"] == 4
    assert digest["data"]["window"] == {"start": "2025-01-01T12:00:00Z",
                                        "end": "2025-01-01T13:00:00Z"}
    assert [a["article"]["title"] for a in digest["data"]["alerts"]][-1].startswith("Talks")
    assert [d.status for d in store.deliveries()].count("digested") == 4
    add_alerts(store, 1, now=clock())  # a new window: alerts pass again
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    assert valid(server.received("/a")[-1].body)["type"] == "alert"


def test_a_digest_rule_sends_one_message_per_window(store: Store,
                                                   server: LoopbackServer) -> None:
    server.route("/a", Reply(200))
    server.route("/b", Reply(200))
    noise = {"negotiations": NoisePolicy(digest_seconds=900)}
    clock = FakeClock()
    urls = {"a": server.url("/a"), "b": server.url("/b")}
    add_alerts(store, 3, targets=("a", "b"))
    deliver_once(store, urls, clock, noise=noise)
    assert server.received() == []
    clock.advance(900)
    deliver_once(store, urls, clock, noise=noise)
    for path in ("/a", "/b"):
        [request] = server.received(path)
        assert valid(request.body)["data"]["count"] == 3
    ids = {r.headers["webhook-id"] for r in server.received()}
    assert len(ids) == 2  # one digest per target, each its own message


def test_a_failed_digest_is_retried_like_any_delivery(store: Store,
                                                      server: LoopbackServer) -> None:
    answers = iter([500, 200])
    server.route("/a", lambda _r: Reply(next(answers)))
    noise = {"negotiations": NoisePolicy(digest_seconds=60)}
    clock = FakeClock(NOW)
    add_alerts(store, 2)
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    clock.advance(60)
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    clock.advance(3600)
    deliver_once(store, {"a": server.url("/a")}, clock, noise=noise)
    first, second = server.received("/a")
    assert first.body == second.body and first.headers["webhook-id"] == \
        second.headers["webhook-id"]


def test_real_alert_payloads_match_the_schema(settings: Settings,
                                              server: LoopbackServer) -> None:
    from dataclasses import replace

    server.route("/hook", Reply(204))
    asyncio.run(run_once(replace(settings, webhook_url=server.url("/hook"))))
    got = server.received("/hook")
    assert len(got) >= 3
    for request in got:
        assert valid(request.body)["type"] == "alert"


def test_the_gate_decides_on_plain_data_without_a_store() -> None:
    gate = NoiseGate({"t": NoisePolicy(throttle=Throttle(2, 3600)),
                      "d": NoisePolicy(digest_seconds=900)})
    asked: list[tuple[str, datetime]] = []

    def sent_since(rule_id: str, start: datetime) -> int:
        asked.append((rule_id, start))
        return 1 if rule_id == "t" else 0  # one of t's already went out this window

    waiting = [Waiting(1, "t"), Waiting(2, "d"), Waiting(3, "t"), Waiting(4, "t")]
    held = gate.hold(waiting, NOW + timedelta(minutes=20), sent_since)
    assert held == {2: NOW + timedelta(minutes=30), 3: NOW + timedelta(hours=1),
                    4: NOW + timedelta(hours=1)}
    assert sorted(asked) == [("d", NOW + timedelta(minutes=15)), ("t", NOW)]  # once a rule
    alert = {"data": {"rule": {"id": "t"}, "n": 1}}
    body = json.loads(gate.digest(HeldGroup("t", NOW + timedelta(hours=1), NOW,
                                            (json.dumps(alert),) * 2), NOW))
    assert body["data"]["count"] == 2
    assert body["data"]["window"] == {"start": "2025-01-01T12:00:00Z",
                                      "end": "2025-01-01T13:00:00Z"}
    gone = json.loads(gate.digest(HeldGroup("gone", NOW, NOW - timedelta(minutes=5),
                                            (json.dumps(alert),)), NOW))
    assert gone["data"]["window"]["start"] == "2025-01-01T11:55:00Z"  # no policy any more
