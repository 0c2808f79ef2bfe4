"""The heap that a large poll freed goes back to the system: glibc kept it (about 60 MB after
a 100,000-item feed), and every later peak of the daemon counted on top of it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.app import open_app
from monitor.config import Settings
from monitor.reader import poller
from monitor.testing import LoopbackServer, Reply
from tests.apiclient import cycle
from tests.conftest import ROOT

# Run in a process of its own: what a long-lived test process's heap holds depends on the
# tests it ran before (under pytest-xdist, a different set each run).
_CHURN = """
import threading

from monitor import memory
from monitor.reader.parsers.feed import parse_any_feed

def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

if memory._malloc_trim() is None:
    print("not-glibc")
    raise SystemExit(0)
feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + "".join(
    f"<item><guid>{i}</guid><title>Embassy {i}</title></item>" for i in range(100_000))
    + "</channel></rss>").encode()

def churn():
    # A big feed parsed and dropped in a worker thread, as a poll does.
    parsed = parse_any_feed(feed, {}, "https://example.org/feed")
    assert len(parsed.items) == 100_000
    del parsed

worker = threading.Thread(target=churn)
worker.start()
worker.join()
before = resident_mb()
released = memory.release()
print(released, before - resident_mb())
"""


def test_release_hands_back_what_a_thread_freed() -> None:
    done = subprocess.run([sys.executable, "-c", _CHURN], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    if done.stdout.strip() == "not-glibc":
        pytest.skip("not glibc: nothing to hand back")
    released, freed_mb = done.stdout.split()
    assert released == "True"
    assert float(freed_mb) > 20, done.stdout


def test_polls_hand_back_the_heap_after_enough_text(
        settings: Settings, server: LoopbackServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    released: list[bool] = []

    def release() -> bool:
        released.append(True)
        return True

    monkeypatch.setattr(poller, "release_memory", release)
    monkeypatch.setattr(poller, "RELEASE_AFTER_CHARS", 50_000)
    items = "".join(f"<item><guid>{i}</guid><title>Embassy {i}</title><description>"
                    f"{'word ' * 100}</description></item>" for i in range(300))
    server.route("/feed", Reply(200, f'<?xml version="1.0"?><rss version="2.0"><channel>'
                                f"<title>t</title>{items}</channel></rss>".encode(),
                                {"content-type": "application/rss+xml"}))

    async def go() -> None:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, replace(settings, seeds_dir=tmp_path / "none"))
            app.store.add_source("feed", server.url("/feed"), interval=60, now=app.clock())
            await cycle(app)
            assert released == [True]  # 150,000 characters read: handed back once
            assert app.pipeline.read_chars == 0

    asyncio.run(go())
