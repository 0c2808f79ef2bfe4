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


def test_a_huge_feed_is_read_newest_first_up_to_the_cap(
        settings: Settings, server: LoopbackServer) -> None:
    # 3,000 items in shuffled date order: only the 50 newest are extracted and stored.
    order = [(k * 7919) % 3000 for k in range(3000)]
    items = "".join(
        f"<item><title>Item {k}</title><guid>g-{k}</guid>"
        f"<pubDate>{_rfc822(k)}</pubDate><description>Text {k}.</description></item>"
        for k in order)
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}' \
           "</channel></rss>"
    server.route("/feed", Reply(200, feed.encode(), {"content-type": "application/rss+xml"}))
    settings = replace(settings, seeds_dir=settings.seeds_dir / "missing",
                       max_items_per_poll=50)
    report = _run(settings, server)["feed"]
    assert (report.status, report.new_articles) == ("ok", 50)
    assert report.error is not None and "3000 items: read the newest 50" in report.error


def _rfc822(k: int) -> str:
    """Item ``k`` is published ``k`` minutes after a fixed time: higher ``k`` is newer."""
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    return format_datetime(datetime(2025, 3, 3, tzinfo=UTC) + timedelta(minutes=k))


def test_newest_keeps_the_newest_dated_items_then_undated_ones_in_order() -> None:
    from datetime import UTC, datetime

    from monitor.models import RawItem
    from monitor.reader.intake import newest

    def item(title: str, day: int | None) -> RawItem:
        return RawItem(title=title, content="", published=datetime(2025, 1, day, tzinfo=UTC)
                       if day else None)

    items = [item("a", 1), item("u1", None), item("c", 3), item("b", 2), item("u2", None)]
    assert [i.title for i in newest(items, 2)] == ["c", "b"]
    assert [i.title for i in newest(items, 4)] == ["a", "u1", "c", "b"]
    assert newest(items, 5) is items
