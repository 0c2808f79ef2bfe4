"""The fetcher's URL policy: private addresses, allow lists, per-host limits, pinned connections."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket

import httpx
import pytest

from monitor.errors import URLPolicyError
from monitor.reader.fetcher import Fetcher, FetchLimits, make_user_agent
from monitor.reader.urlpolicy import URLPolicy
from tests.hostile import HostileServer, fixed, redirect
from tests.reader.test_fetcher_hostile import LOOP, RSS, fetch


def test_url_policy_refuses_private_addresses_also_after_a_redirect(
        hostile: HostileServer) -> None:
    hostile.routes["/feed"] = fixed(200, RSS)
    with pytest.raises(URLPolicyError, match="non-public address"):
        fetch(hostile.url("/feed"), policy=URLPolicy())
    with pytest.raises(URLPolicyError, match="non-public"):
        fetch("http://localhost:9/feed", policy=URLPolicy())  # resolved, then refused
    hostile.routes["/to-private"] = redirect("http://10.1.2.3/feed")
    with pytest.raises(URLPolicyError, match=r"10\.1\.2\.3"):
        fetch(hostile.url("/to-private"))
    assert "/feed" not in hostile.hits or hostile.hits["/feed"] == 0
    for bad in ("ftp://127.0.0.1/x", "file:///etc/passwd", "http://[::1]/", "http://0.0.0.0/",
                "http://169.254.169.254/latest", "http://100.64.0.1/", "http://[::ffff:10.0.0.1]/"):
        with pytest.raises(URLPolicyError):
            fetch(bad, policy=URLPolicy())


def test_url_policy_allow_list_and_wildcard() -> None:
    assert URLPolicy.from_setting("*").address_allowed(ipaddress.ip_address("10.0.0.1"))
    policy = URLPolicy.from_setting("127.0.0.1/32, 10.0.0.0/8")
    assert policy.check_sync("http://10.9.9.9/x")
    with pytest.raises(URLPolicyError):
        policy.check_sync("http://192.168.1.1/x")


def test_per_host_concurrency_is_bounded(hostile: HostileServer) -> None:
    def slow(handler: object) -> None:
        import time

        time.sleep(0.05)
        fixed(200, RSS)(handler)  # type: ignore[arg-type]

    for n in range(12):
        hostile.routes[f"/f{n}"] = slow

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            fetcher = Fetcher(client, limits=FetchLimits(per_host=2), policy=LOOP)
            await asyncio.gather(*(fetcher.get(hostile.url(f"/f{n}")) for n in range(12)))

    asyncio.run(go())
    assert sum(hostile.hits.values()) == 12 and hostile.peak <= 2


def test_user_agent_names_the_contact() -> None:
    ua = make_user_agent("monitor/0.1 (self-hosted news monitor)", "https://example.org/bot")
    assert ua == "monitor/0.1 (self-hosted news monitor; +https://example.org/bot)"
    assert make_user_agent("monitor/0.1", None) == "monitor/0.1"


def test_webhook_targets_obey_the_url_policy(hostile: HostileServer) -> None:
    from datetime import UTC, datetime

    from monitor.delivery.notifiers import WebhookNotifier
    from monitor.store import OutboxItem

    hostile.routes["/hook"] = fixed(204, b"")
    item = OutboxItem(1, 1, "default", "msg_1", "{}", 0, datetime(2025, 1, 1, tzinfo=UTC))

    async def send(policy: URLPolicy) -> tuple[bool, str | None]:
        async with httpx.AsyncClient() as client:
            result = await WebhookNotifier("default", hostile.url("/hook"), [], client,
                                           policy=policy).send(item)
            return result.ok, result.error

    ok, error = asyncio.run(send(URLPolicy()))
    assert not ok and error and "non-public address" in error
    assert hostile.hits.get("/hook", 0) == 0
    assert asyncio.run(send(LOOP)) == (True, None)


class Rebinding:
    """A resolver under an attacker's control: the first answer for ``rebind.test`` is the
    allowed address, every later one a forbidden address (DNS rebinding)."""

    def __init__(self, first: str, later: str) -> None:
        self.answers = [first]
        self.later = later
        self.asked: list[str] = []
        self.real = socket.getaddrinfo

    def __call__(self, host: object, port: object, *args: object, **kw: object) -> object:
        if host != "rebind.test":
            return self.real(host, port, *args, **kw)  # type: ignore[arg-type]
        answer = self.answers.pop() if self.answers else self.later
        self.asked.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, int(port)))]  # type: ignore[call-overload]


def test_a_source_connection_goes_to_the_address_that_was_checked(
        hostile: HostileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.reader.urlpolicy import pinned_transport

    hostile.routes["/feed"] = fixed(200, RSS)
    port = int(hostile.url("/feed").split(":")[2].split("/")[0])
    url = f"http://rebind.test:{port}/feed"

    async def get(fetcher_too: bool) -> int:
        async with httpx.AsyncClient(transport=pinned_transport(LOOP)) as client:
            if fetcher_too:
                return (await Fetcher(client, policy=LOOP).get(url)).status_code
            return (await client.get(url, timeout=5)).status_code

    # The fetcher's check sees the allowed answer, the connection the forbidden one: refused.
    dns = Rebinding("127.0.0.1", "10.9.9.9")
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    with pytest.raises(URLPolicyError, match=r"10\.9\.9\.9"):
        asyncio.run(get(fetcher_too=True))
    assert dns.asked == ["127.0.0.1", "10.9.9.9"] and hostile.hits.get("/feed", 0) == 0
    # A connection is made to the very address checked, from one answer.
    dns = Rebinding("127.0.0.1", "10.9.9.9")
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    assert asyncio.run(get(fetcher_too=False)) == 200
    assert dns.asked == ["127.0.0.1"] and hostile.hits["/feed"] == 1


def test_a_webhook_connection_goes_to_the_address_that_was_checked(
        hostile: HostileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.app import delivery_client

    hostile.routes["/hook"] = fixed(204, b"")
    port = int(hostile.url("/hook").split(":")[2].split("/")[0])
    dns = Rebinding("127.0.0.1", "10.9.9.9")
    monkeypatch.setattr(socket, "getaddrinfo", dns)

    async def post() -> int:
        async with delivery_client({}, LOOP) as client:
            return (await client.post(f"http://rebind.test:{port}/hook", content=b"{}")).status_code

    assert asyncio.run(post()) == 204
    assert dns.asked == ["127.0.0.1"]
    with pytest.raises(URLPolicyError, match=r"10\.9\.9\.9"):
        asyncio.run(post())
    assert hostile.hits["/hook"] == 1
def test_conditional_polls_answered_304_reuse_one_connection() -> None:
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                fresh = b'if-none-match: "v1"' not in head.lower()
                writer.write(b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: %d\r\n\r\n%s'
                             % (len(RSS), RSS) if fresh else
                             b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def go() -> list[str]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/feed"
        try:
            async with httpx.AsyncClient() as client:
                fetcher = Fetcher(client, policy=LOOP)
                first = await fetcher.get(url)
                outcomes = [first.outcome]
                for _ in range(5):
                    outcomes.append((await fetcher.get(url, first.validators)).outcome)
                return outcomes
        finally:
            server.close()
            await server.wait_closed()
            for writer in writers:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()

    assert asyncio.run(go()) == ["ok"] + ["not_modified"] * 5
    assert len(writers) == 1  # a 304 left unread would close its connection: 6 then
