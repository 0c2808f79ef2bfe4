"""Feed URLs through the real pipeline: local server, conditional GET, broken and dead feeds."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import replace

from monitor.app import open_app
from monitor.config import Settings
from monitor.reader.poller import PollReport
from monitor.testing import LoopbackServer, Reply, Request
from tests.apiclient import cycle

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback World</title><link>http://127.0.0.1/</link>
<item><title>Embassy in Kabul reopens</title><guid>k-1</guid>
<link>http://127.0.0.1/kabul?utm_campaign=x</link>
<pubDate>Mon, 03 Mar 2025 08:00:00 GMT</pubDate>
<description>The embassy reopened its consular section on Monday.</description></item>
<item><title>Markets calm</title><guid>k-2</guid><description>Stocks were flat.</description></item>
</channel></rss>"""


def _conditional(req: Request) -> Reply:
    if req.headers.get("if-none-match") == '"v1"':
        return Reply(304)
    return Reply(200, RSS, {"content-type": "application/rss+xml", "etag": '"v1"'})


def _run(settings: Settings, server: LoopbackServer) -> dict[str, PollReport]:
    """One cycle over three feeds of ``server``; the reports by the feed's path."""

    async def go() -> list[PollReport]:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            for path in ("/feed", "/broken", "/missing"):
                app.store.add_source("feed", server.url(path), interval=60, now=app.clock())
            reports, _ = await cycle(app)
            return reports

    return {r.location.rsplit("/", 1)[1]: r for r in asyncio.run(go())}


def test_feed_is_fetched_parsed_stored_and_then_not_modified(
        settings: Settings, server: LoopbackServer) -> None:
    server.route("/feed", _conditional)
    server.route("/broken", Reply(200, b"<html><body>not a feed", {"content-type": "text/html"}))
    settings = replace(settings, seeds_dir=settings.seeds_dir / "missing")
    first = _run(settings, server)
    feed = first["feed"]
    assert (feed.status, feed.items, feed.new_articles) == ("ok", 2, 2)
    assert [a.rule_id for a in feed.alerts] == ["embassies"]
    assert feed.alerts[0].article_url == "http://127.0.0.1/kabul"  # tracking parameter gone
    assert first["broken"].status == "error" and "not a readable feed" in first["broken"].error
    assert first["missing"].status == "error" and "404" in first["missing"].error
    second = _run(settings, server)
    assert second["feed"].status == "not_modified" and not second["feed"].alerts
    conditional = server.received("/feed")[-1]
    assert conditional.headers["if-none-match"] == '"v1"'
    assert "monitor" in conditional.headers["user-agent"]


def test_same_body_without_validators_counts_as_not_modified(
        settings: Settings, server: LoopbackServer) -> None:
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))
    settings = replace(settings, seeds_dir=settings.seeds_dir / "missing")
    _run(settings, server)
    again = _run(settings, server)
    assert again["feed"].status == "not_modified"
