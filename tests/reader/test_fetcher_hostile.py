"""The fetcher against hostile and broken servers: nothing hangs, nothing blows up memory."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
import zlib

import brotli
import httpx
import pytest

from monitor.errors import FetchError
from monitor.reader.fetcher import Fetcher, FetchLimits, FetchResult, Validators
from monitor.reader.parsers.feed import parse_any_feed
from monitor.reader.urlpolicy import URLPolicy
from tests.hostile import HostileServer, drip, endless, fixed, redirect

LOOP = URLPolicy.from_setting("127.0.0.1/32")
RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
       b"<item><title>Sanctions on steel</title><guid>a</guid>"
       b"<description>New sanctions were announced.</description></item></channel></rss>")


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
