"""Polls through the real pipeline against a loopback server, with a clock we move by hand."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from monitor.app import open_app
from monitor.config import Settings
from monitor.models import Article, Match
from monitor.reader.poller import PollReport
from monitor.reader.schedule import (
    ScheduleBounds,
    next_after_failure,
    next_after_success,
    posting_gap,
    server_freshness,
)
from monitor.rules.matcher import Matcher
from monitor.store import Store
from monitor.store.tables import ArticleRow, SourceRow
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI, json_lines

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><ttl>60</ttl>
<item><title>Embassy reopens in Kabul</title><guid>e-1</guid>
<description>The embassy reopened its consular section on Monday.</description></item>
<item><title>Undated note</title><guid>e-2</guid><description>No date here.</description></item>
<item><title>Odd date</title><guid>e-3</guid><pubDate>32 Foo 2025</pubDate>
<description>A date nobody can read.</description></item>
</channel></rss>"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _cycles(settings: Settings, server: LoopbackServer, paths: list[str], clock: Clock,
            steps: list[Callable[[], None]]) -> list[dict[str, PollReport]]:
    """Add ``paths`` as feeds, then poll what is due once per step (each step moves time)."""
    settings = replace(settings, seeds_dir=settings.seeds_dir / "missing")

    async def go() -> list[dict[str, PollReport]]:
        out = []
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings, clock=clock)
            app.pipeline.rng = random.Random(7)
            for path in paths:
                app.store.add_source("feed", server.url("/" + path), interval=600, now=clock())
            for step in steps:
                step()
                reports = await app.pipeline.poll_due()
                out.append({r.location.rsplit("/", 1)[1]: r for r in reports})
        return out

    return asyncio.run(go())


def _rows(settings: Settings) -> dict[str, SourceRow]:
    store = Store.open(settings.database_url)
    try:
        return {i.source.url.rsplit("/", 1)[1]: i.source for i in store.list_sources()}
    finally:
        store.close()


def test_undated_and_oddly_dated_items_are_kept_and_ttl_sets_the_next_poll(
        settings: Settings, server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, RSS, {"content-type": "application/octet-stream"}))
    clock = Clock()
    [first] = _cycles(settings, server, ["feed"], clock, [lambda: None])
    assert (first["feed"].status, first["feed"].new_articles) == ("ok", 3), first["feed"].error
    row = _rows(settings)["feed"]
    assert row.next_check_at.replace(tzinfo=UTC) == T0 + timedelta(minutes=60)  # <ttl>60</ttl>


def test_moved_rate_limited_gone_and_html_sources(settings: Settings,
                                                  server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))
    server.route("/old", Reply(301, b"", {"location": "/feed2"}))
    server.route("/feed2", Reply(200, RSS.replace(b"Wire", b"Moved")))
    server.route("/busy", Reply(429, b"", {"retry-after": "7200"}))
    server.route("/gone", Reply(410, b""))
    server.route("/page", Reply(200, b"<!DOCTYPE html><html><head><title>Home</title></head>"
                            b"<body><p>Welcome</p></body></html>", {"content-type": "text/html"}))
    clock = Clock()
    [first] = _cycles(settings, server, ["old", "busy", "gone", "page"], clock, [lambda: None])
    assert first["old"].status == "ok"
    assert first["busy"].status == "rate_limited"
    assert first["gone"].status == "gone"
    assert first["page"].status == "error" and "HTML page instead of a feed" in first["page"].error
    rows = _rows(settings)
    assert "feed2" in rows and "old" not in rows  # 301: the stored URL follows the move
    assert rows["busy"].next_check_at.replace(tzinfo=UTC) >= T0 + timedelta(seconds=7200)
    assert not rows["gone"].enabled and rows["gone"].disabled_reason == "HTTP 410 Gone"


def test_failures_back_off_then_mark_unhealthy_and_retry_rarely(
        settings: Settings, server: LoopbackServer) -> None:
    server.route("/down", Reply(500, b"oops"))
    clock = Clock()
    seen: list[tuple[datetime, bool]] = []
    settings = replace(settings, unhealthy_after_seconds=3 * 3600)

    def advance() -> None:
        row = _rows(settings).get("down")
        if row is not None:
            clock.now = row.next_check_at.replace(tzinfo=UTC)
            seen.append((clock.now, row.unhealthy))

    _cycles(settings, server, ["down"], clock, [advance] * 8)
    row = _rows(settings)["down"]
    assert row.consecutive_failures == 8 and row.enabled  # never dropped
    assert row.unhealthy and row.failing_since is not None
    gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(seen)]
    assert gaps[0] < gaps[1] < gaps[2]  # exponential
    assert max(gaps) <= 6 * 3600 * 1.2


def test_schedule_rules_without_sleeping() -> None:
    b = ScheduleBounds(min_seconds=300, max_seconds=86400)
    hourly = [T0 - timedelta(hours=n) for n in range(10)]
    assert posting_gap(hourly) == 3600
    assert next_after_success(T0, interval=900, bounds=b, published=hourly) == \
        T0 + timedelta(minutes=30)
    assert next_after_success(T0, interval=900, bounds=b) == T0 + timedelta(seconds=900)
    busy = [T0 - timedelta(seconds=n) for n in range(10)]
    assert next_after_success(T0, interval=900, bounds=b, published=busy) == \
        T0 + timedelta(seconds=300)  # clamped to the minimum
    assert next_after_success(T0, interval=900, bounds=b,
                              headers={"cache-control": "public, max-age=7200"}) == \
        T0 + timedelta(hours=2)
    assert server_freshness({"expires": "Mon, 03 Mar 2025 10:00:00 GMT",
                             "date": "Mon, 03 Mar 2025 08:00:00 GMT"}, T0) == 7200
    assert server_freshness({"cache-control": "no-cache, max-age=60"}, T0) is None
    plan = next_after_failure(T0, interval=600, failures=0, failing_since=None, bounds=b,
                              rng=random.Random(1), retry_after=3600)
    assert plan.next_check_at >= T0 + timedelta(hours=1) and not plan.unhealthy


def test_sources_list_shows_unhealthy_and_disabled(cli: CLI, server: LoopbackServer) -> None:
    server.route("/gone", Reply(410, b""))
    assert cli("sources", "add", server.url("/gone"), "--kind", "feed").returncode == 0
    assert cli("run", "--once").returncode == 0
    listed = {s["url"]: s for s in json_lines(cli("sources", "list", "--json").stdout)}
    gone = listed[server.url("/gone")]
    assert gone["enabled"] is False and gone["disabled_reason"] == "HTTP 410 Gone"
    assert "disabled" in cli("sources", "list").stdout


def test_user_agent_carries_the_contact_url_and_undated_items_get_the_fetch_time(
        settings: Settings, server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))
    clock = Clock()
    settings = replace(settings, contact_url="https://example.org/monitor-bot")
    _cycles(settings, server, ["feed"], clock, [lambda: None])
    ua = server.received("/feed")[-1].headers["user-agent"]
    assert ua.startswith("monitor/") and "+https://example.org/monitor-bot" in ua
    store = Store.open(settings.database_url)
    try:
        with store.session() as s:
            published = [r.published for r in s.exec(select(ArticleRow))]
        assert len(published) == 3 and all(p is not None for p in published)
    finally:
        store.close()


class _SlowMatcher:
    """The real matcher, 0.3 s slower per article: time.sleep holds whatever thread runs it."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.rules = matcher.rules
        self.calls = 0
        self.threads: set[int] = set()  # the threads that ran it

    def match(self, article: Article) -> list[Match]:
        self.calls += 1
        self.threads.add(threading.get_ident())
        time.sleep(0.3)
        return self.matcher.match(article)


def test_the_event_loop_stays_responsive_while_a_poll_matches_slowly(
        settings: Settings, server: LoopbackServer) -> None:
    server.route("/warm", Reply(200, RSS.replace(b"e-", b"w-"), {"content-type": "text/xml"}))
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))
    settings = replace(settings, seeds_dir=settings.seeds_dir / "missing")
    clock = Clock()

    async def go() -> tuple[list[PollReport], list[float], float, _SlowMatcher]:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings, clock=clock)
            # A first poll with the plain matcher: one-off costs (lazy imports, the matcher's
            # index) are not what this test measures.
            app.store.add_source("feed", server.url("/warm"), interval=600, now=clock())
            assert [r.status for r in await app.pipeline.poll_due()] == ["ok"]
            app.store.add_source("feed", server.url("/feed"), interval=600, now=clock())
            slow = _SlowMatcher(app.matcher)
            app.pipeline.matcher = lambda: slow  # type: ignore[assignment,return-value]
            gaps: list[float] = []
            polling = True

            async def tick() -> None:
                last = time.monotonic()
                while polling:
                    await asyncio.sleep(0.01)
                    gaps.append(time.monotonic() - last)
                    last = time.monotonic()

            ticker = asyncio.create_task(tick())
            await asyncio.sleep(0.05)
            started = time.monotonic()
            reports = await app.pipeline.poll_due()
            took = time.monotonic() - started
            polling = False
            await ticker
            return reports, gaps, took, slow

    loop_thread = threading.get_ident()  # asyncio.run runs the loop in this thread
    reports, gaps, took, slow = asyncio.run(go())
    assert [(r.status, r.new_articles) for r in reports] == [("ok", 3)]
    assert slow.calls == 3 and took >= 0.9  # the slow matching did happen, during the poll
    assert loop_thread not in slow.threads  # ... in a worker thread, never on the loop
    # And the loop kept ticking: matching on it would stop it for the three calls at once
    # (0.9 s); a loaded machine may pause a process for part of that, not all of it.
    assert max(gaps) < 0.9, f"the event loop stalled for {max(gaps):.3f} s"
