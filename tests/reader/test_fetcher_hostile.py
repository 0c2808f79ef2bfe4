"""The fetcher against hostile and broken servers: nothing hangs, nothing blows up memory."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import ipaddress
import socket
import tracemalloc
import zlib
from collections.abc import Iterator

import brotli
import httpx
import pytest

from monitor.errors import FetchError, URLPolicyError
from monitor.reader.fetcher import Fetcher, FetchLimits, FetchResult, Validators, make_user_agent
from monitor.reader.parsers.feed import parse_any_feed
from monitor.reader.urlpolicy import URLPolicy
from tests.hostile import HostileServer, drip, endless, fixed, redirect

LOOP = URLPolicy.from_setting("127.0.0.1/32")
RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
       b"<item><title>Sanctions on steel</title><guid>a</guid>"
       b"<description>New sanctions were announced.</description></item></channel></rss>")


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as srv:
        yield srv


def fetch(url: str, previous: Validators | None = None, *, policy: URLPolicy = LOOP,
          **limits: float) -> FetchResult:
    async def go() -> FetchResult:
        async with httpx.AsyncClient() as client:
            fetcher = Fetcher(client, limits=FetchLimits(**limits),  # type: ignore[arg-type]
                              policy=policy)
            return await fetcher.get(url, previous)

    return asyncio.run(go())


def test_slow_drip_is_cut_by_the_total_deadline(hostile: HostileServer) -> None:
    hostile.routes["/drip"] = drip
    with pytest.raises(FetchError, match=r"no complete answer within 0\.5 s"):
        fetch(hostile.url("/drip"), deadline_seconds=0.5)


def test_endless_body_is_cut_at_the_size_cap(hostile: HostileServer) -> None:
    hostile.routes["/endless"] = endless
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="exceeds 1048576 bytes"):
            fetch(hostile.url("/endless"), max_bytes=1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_declared_huge_body_is_refused_before_reading(hostile: HostileServer) -> None:
    hostile.routes["/huge"] = fixed(200, b"x" * 2048, {"content-length": "52428800"})
    with pytest.raises(FetchError, match="52428800 bytes, more than"):
        fetch(hostile.url("/huge"), max_bytes=1024)


def _bomb(encoding: str) -> bytes:
    raw = b"\0" * (50 * 1024 * 1024)  # 50 MB that compresses to a few dozen KB
    if encoding == "gzip":
        return gzip.compress(raw, 9)
    if encoding == "deflate":
        return zlib.compress(raw, 9)
    return bytes(brotli.compress(raw, quality=5))


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compression_bombs_are_never_inflated_in_memory(hostile: HostileServer,
                                                        encoding: str) -> None:
    packed = _bomb(encoding)
    assert len(packed) < 1024 * 1024
    hostile.routes["/bomb"] = fixed(200, packed, {"content-encoding": encoding,
                                                  "content-type": "application/rss+xml"})
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="once decompressed"):
            fetch(hostile.url("/bomb"), max_bytes=2 * 1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compressed_feeds_are_read(hostile: HostileServer, encoding: str) -> None:
    packed = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[encoding]
    hostile.routes["/feed"] = fixed(200, packed(RSS), {"content-encoding": encoding})
    result = fetch(hostile.url("/feed"))
    assert result.outcome == "ok" and result.content == RSS


def test_entity_bomb_feed_stays_small() -> None:
    lol = [b'<!ENTITY lol0 "lollollollollollollollollollol">']
    lol += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 10)]
    body = b"<item><title>&lol9;</title><description>x</description></item>" * 1500
    doc = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + b"\n".join(lol) + b"\n]>\n"
           b'<rss version="2.0"><channel><title>Bomb</title>' + body + b"</channel></rss>")
    assert 50_000 < len(doc) < 150_000
    tracemalloc.start()
    try:
        parsed = parse_any_feed(doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"peak {peak} bytes"
    assert sum(len(i.title) for i in parsed.items) < 1_000_000


def test_redirect_loop_and_too_many_redirects_fail(hostile: HostileServer) -> None:
    hostile.routes["/a"] = redirect("/b")
    hostile.routes["/b"] = redirect("/a")
    with pytest.raises(FetchError, match="redirect loop"):
        fetch(hostile.url("/a"))
    for n in range(8):
        hostile.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(hostile.url("/r0"), max_redirects=3)


def test_permanent_redirects_report_the_new_url_temporary_ones_do_not(
        hostile: HostileServer) -> None:
    hostile.routes["/feed"] = fixed(200, RSS)
    hostile.routes["/old"] = redirect("/feed", 301)
    hostile.routes["/moved"] = redirect("/feed", 308)
    hostile.routes["/tmp"] = redirect("/feed", 302)
    hostile.routes["/mixed"] = redirect("/tmp", 301)
    assert fetch(hostile.url("/old")).permanent_url == hostile.url("/feed")
    assert fetch(hostile.url("/moved")).permanent_url == hostile.url("/feed")
    assert fetch(hostile.url("/tmp")).permanent_url is None
    assert fetch(hostile.url("/mixed")).permanent_url == hostile.url("/tmp")


def test_expected_refusals_are_results(hostile: HostileServer) -> None:
    hostile.routes["/busy"] = fixed(429, b"slow down", {"retry-after": "120"})
    hostile.routes["/down"] = fixed(503, b"", {"retry-after": "Wed, 21 Oct 2099 07:28:00 GMT"})
    hostile.routes["/gone"] = fixed(410, b"")
    hostile.routes["/broken"] = fixed(500, b"oops")
    busy = fetch(hostile.url("/busy"))
    assert (busy.outcome, busy.retry_after) == ("rate_limited", 120.0)
    down = fetch(hostile.url("/down"))
    assert down.outcome == "rate_limited" and down.retry_after and down.retry_after > 1e9
    assert fetch(hostile.url("/gone")).outcome == "gone"
    with pytest.raises(FetchError, match="HTTP 500"):
        fetch(hostile.url("/broken"))


def test_conditional_get_and_body_hash_fallback(hostile: HostileServer) -> None:
    hostile.routes["/feed"] = fixed(200, RSS, {"etag": '"v1"'})
    first = fetch(hostile.url("/feed"))
    assert first.outcome == "ok" and first.validators.etag == '"v1"'
    again = fetch(hostile.url("/feed"), first.validators)  # server ignores If-None-Match
    assert again.outcome == "not_modified" and again.content == b""


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
