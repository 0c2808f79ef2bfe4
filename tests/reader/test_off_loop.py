"""A poll's CPU work (parsing, extraction, matching) runs in worker threads, never on the event
loop: one long item once held the loop (and /healthz with it) for as long as it took to match.

Each step is wrapped to record whether it was called with an event loop running in its thread;
the poll itself is the real pipeline, on a loopback feed and a folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from monitor.app import open_app
from monitor.config import Settings
from monitor.reader import intake, poller
from monitor.reader.parsers import feed, folder
from monitor.rules.matcher import Matcher
from monitor.testing import LoopbackServer, Reply
from tests.apiclient import cycle

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
       b"<item><title>Embassy closed</title><guid>g1</guid><description>The embassy of Russia "
       b"in Riga closed on Monday.</description></item></channel></rss>")


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_parsing_extraction_and_matching_run_off_the_event_loop(
        settings: Settings, server: LoopbackServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: dict[str, list[bool]] = {}

    def spy(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            calls.setdefault(name, []).append(_on_loop())
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(feed, "parse_any_feed", spy("parse feed", feed.parse_any_feed))
    monkeypatch.setattr(folder.FolderSource, "_read",
                        spy("read folder", folder.FolderSource._read))
    monkeypatch.setattr(poller, "_extract", spy("extract", intake.extract_items))
    monkeypatch.setattr(Matcher, "match", spy("match", Matcher.match))
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.md").write_text("---\ntitle: Embassy closed\n---\nThe embassy of Russia in "
                                "Riga closed.\n", "utf-8")

    async def go() -> None:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, replace(settings, seeds_dir=inbox))
            app.store.add_source("feed", server.url("/feed"), interval=60, now=app.clock())
            reports, _ = await cycle(app)
            assert sorted(r.status for r in reports) == ["ok", "ok"]
            assert all(r.new_articles == 1 for r in reports)

    asyncio.run(go())
    assert sorted(calls) == ["extract", "match", "parse feed", "read folder"]
    assert not any(on for seen in calls.values() for on in seen), calls
