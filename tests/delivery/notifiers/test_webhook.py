"""Alerts reach a real receiver on loopback, signed per Standard Webhooks, once each."""

from __future__ import annotations

import base64
import json

import pytest
from standardwebhooks.webhooks import Webhook

from monitor.delivery.notifiers.webhook import decode_secret, sign
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def test_alerts_are_delivered_signed_and_only_once(cli: CLI, server: LoopbackServer) -> None:
    server.route("/hook", Reply(204))
    env = {"MONITOR_WEBHOOK_URL": server.url("/hook"), "MONITOR_WEBHOOK_SECRET": SECRET}
    first = cli("run", "--once", **env)
    assert first.returncode == 0, first.stderr
    got = server.received("/hook", "POST")
    payloads = [json.loads(r.body) for r in got]
    seed = [p for p in payloads if "Marco Rubio" in p["data"]["article"]["title"]]
    assert sorted(p["data"]["rule"]["id"] for p in seed) == [
        "embassies", "negotiations", "sanctions"]
    verifier = Webhook(SECRET)
    for request in got:
        verifier.verify(request.body, request.headers)  # raises on a bad signature
        assert request.headers["webhook-id"].startswith("msg_")
    assert len({r.headers["webhook-id"] for r in got}) == len(got)
    p = seed[0]
    assert p["type"] == "alert" and p["timestamp"]
    assert set(p["data"]["article"]) >= {"id", "title", "url", "language", "published", "source"}
    assert p["data"]["article"]["language"] == "id"
    assert p["data"]["evidence"] and p["data"]["rule"]["name"]
    again = cli("run", "--once", **env)
    assert again.returncode == 0
    assert len(server.received("/hook", "POST")) == len(got)


def test_failed_delivery_stays_pending_in_the_database(cli: CLI,
                                                      server: LoopbackServer) -> None:
    server.route("/hook", Reply(500, b"down"))
    env = {"MONITOR_WEBHOOK_URL": server.url("/hook"), "MONITOR_WEBHOOK_SECRET": SECRET}
    assert cli("run", "--once", **env).returncode == 0
    sent_while_down = len(server.received("/hook"))
    assert sent_while_down >= 3
    listed = [json.loads(x) for x in cli("alerts", "list", "--json").stdout.splitlines()]
    assert listed and all([(d["target"], d["status"]) for d in a["deliveries"]]
                          == [("default", "pending")] for a in listed)


def test_a_tampered_body_fails_verification() -> None:
    key = decode_secret(SECRET)
    header = sign([key], "msg_1", 1700000000, b'{"a":1}')
    verifier = Webhook(SECRET)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000",
               "webhook-signature": header}
    with pytest.raises(Exception, match=r"(?i)signature|timestamp"):
        verifier.verify(b'{"a":2}', headers)


def test_signature_matches_the_reference_implementation() -> None:
    key = decode_secret(SECRET)
    ts = 1700000000
    ours = sign([key], "msg_abc", ts, b'{"x":1}')
    from datetime import UTC, datetime

    theirs = Webhook(SECRET).sign("msg_abc", datetime.fromtimestamp(ts, UTC), '{"x":1}')
    assert ours == theirs
