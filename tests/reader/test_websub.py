"""WebSub end to end: ``monitor run`` against a real hub on loopback (tests/websubhub.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from monitor.reader.hublinks import find_hub
from monitor.reader.websub import signature_ok
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI
from tests.test_daemon import Daemon
from tests.websubhub import Hub, atom


def _until(check: Callable[[], object], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rejected(api: str) -> float:
    for line in httpx.get(f"{api}/metrics").text.splitlines():
        if line.startswith('monitor_websub_rejected_total{reason="bad"}'):
            return float(line.split()[-1])
    return 0.0


def test_discovery_reads_the_link_header_first_then_atom_and_rss_links() -> None:
    rss = (b"<rss xmlns:atom='http://www.w3.org/2005/Atom'><channel>"
           b"<atom:link rel='hub' href='https://hub.example/'/>"
           b"<atom:link rel='self' href='https://news.example/rss'/></channel></rss>")
    assert find_hub(rss, {}, "https://x/") == ("https://hub.example/", "https://news.example/rss")
    header = {"link": '<https://h2.example/>; rel="hub", </feed>; rel="self"'}
    assert find_hub(rss, header, "https://news.example/x") == ("https://h2.example/",
                                                              "https://news.example/feed")
    no_self = b"<feed><link rel='hub' href='/hub'/></feed>"
    assert find_hub(no_self, {}, "https://a.example/f") == ("https://a.example/hub",
                                                            "https://a.example/f")
    assert find_hub(b"<feed><link rel='self' href='/f'/></feed>", {}, "https://a/") is None
    assert find_hub(b"<link rel='hub' href='javascript:x'/>", {}, "https://a/") is None


def test_signatures_of_every_method_are_checked() -> None:
    import hashlib
    import hmac

    for method in ("sha1", "sha256", "sha384", "sha512"):
        sig = hmac.new(b"k", b"body", getattr(hashlib, method)).hexdigest()
        assert signature_ok("k", b"body", f"{method}={sig}")
        assert not signature_ok("k", b"body!", f"{method}={sig}")
        assert not signature_ok("other", b"body", f"{method}={sig}")
    assert not signature_ok("k", b"body", None)
    assert not signature_ok("k", b"body", "md5=" + hashlib.md5(b"body").hexdigest())


@pytest.mark.slow
def test_subscribe_verify_push_renew_and_unsubscribe_against_a_loopback_hub(
        cli: CLI, tmp_path: Path, server: LoopbackServer) -> None:
    hub = Hub(server, lease=3)
    topic = server.url("/feed")
    server.route("/feed", Reply(200, atom(topic, hub.url, [("1", "Markets", "Prices rose.")]),
                                {"content-type": "application/atom+xml"}))
    server.route("/hook", Reply(200))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "quake.yaml").write_text("id: quake\nquery: earthquake\n", "utf-8")
    assert cli("sources", "add", topic).returncode == 0
    port = _free_port()
    api = f"http://127.0.0.1:{port}"
    with Daemon(cli, tmp_path, MONITOR_API_PORT=str(port), MONITOR_PUBLIC_URL=api,
                MONITOR_POLL_TICK_SECONDS="0.3", MONITOR_DELIVER_TICK_SECONDS="0.3",
                MONITOR_RULES_DIR=str(rules), MONITOR_WEBHOOK_URL=server.url("/hook")) as d:
        d.api_url()
        _until(lambda: topic in hub.subscribers)  # first poll -> subscribe -> verified
        sub = hub.subscribers[topic]
        assert sub.callback.startswith(f"{api}/websub/") and len(sub.secret) >= 32

        # Verification is echoed only for a pending request of this callback and topic.
        query = {"hub.mode": "subscribe", "hub.topic": server.url("/other"),
                 "hub.challenge": "c", "hub.lease_seconds": "60"}
        assert httpx.get(sub.callback, params=query).status_code == 404
        assert httpx.get(f"{api}/websub/unknown", params={**query, "hub.topic": topic}
                         ).status_code == 404

        # A push with a bad or missing signature is acknowledged, dropped and counted.
        quake = atom(topic, hub.url, [("2", "Earthquake hits the coast", "A strong quake.")])
        assert hub.publish(topic, quake, secret="wrong").status_code == 202
        assert httpx.post(sub.callback, content=quake).status_code == 202
        assert _rejected(api) == 1.0
        time.sleep(1)
        assert not server.received("/hook")

        # A signed push goes through extract -> match -> outbox -> webhook.
        assert hub.publish(topic, quake, method="sha512").status_code == 202
        hook = server.wait_for(1, "/hook", timeout=20)
        assert b"Earthquake hits the coast" in hook[0].body

        # The 3 s lease is renewed before it runs out: a second verified subscribe.
        _until(lambda: hub.verified.count(("subscribe", topic)) >= 2, timeout=20)

        # Removing the source unsubscribes it at the hub (verified by the hub's GET).
        sid = httpx.get(f"{api}/api/v1/sources").json()["items"][0]["id"]
        assert httpx.delete(f"{api}/api/v1/sources/{sid}").status_code in (200, 204)
        _until(lambda: ("unsubscribe", topic) in hub.verified, timeout=20)
        assert topic not in hub.subscribers
        # The old callback is gone for the hub's pushes: 410 tells it to stop.
        assert httpx.post(sub.callback, content=quake).status_code == 410
    events = [e["event"] for e in d.events()]
    for name in ("websub.requested", "websub.verified", "websub.push.rejected",
                 "websub.push.taken"):
        assert name in events, events


@pytest.mark.parametrize("public", ["ftp://x", "not a url"])
def test_a_bad_public_url_is_named_at_start(cli: CLI, public: str) -> None:
    out = cli("run", "--once", MONITOR_PUBLIC_URL=public)
    assert out.returncode != 0 and "MONITOR_PUBLIC_URL" in out.stderr
