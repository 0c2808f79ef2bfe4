"""Helpers of the console's browser tests: Debian's chromium through Playwright for Python,
the daemon's HTTP app on a loopback port, screenshots as test artifacts, and page checks
(contrast, labels, focus) run in the page. Nothing here reads ../shared."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from monitor.app import open_app
from monitor.config import Settings
from monitor.daemon import http_app
from monitor.store.tables import DeliveryRow
from tests.conftest import RULES
from tests.web.consolehelp import ROOT

CHROMIUM = os.environ.get("MONITOR_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


def need_browser() -> Any:
    """Playwright's ``sync_playwright``; skips without a browser, except under CI=true."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return sync_playwright


def shot(page: Any, name: str) -> None:
    """A viewport-sized screenshot (small enough for the README) as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def serve(settings: Settings, *, polled: bool = True) -> Iterator[str]:
    """The daemon's HTTP app (API + console) on a loopback port; with ``polled`` the sources
    are polled first and one delivery is made dead, to be replayed."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    started, stop = threading.Event(), threading.Event()

    async def run() -> None:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            if polled:
                await app.pipeline.poll_due(everything=True)
                with app.store.session() as s:
                    first = s.exec(select(DeliveryRow)).first()
                    assert first is not None, "the seeds made no delivery"
                    s.execute(update(DeliveryRow).where(col(DeliveryRow.id) == first.id)
                              .values(status="dead", last_error="HTTP 500"))
            server = uvicorn.Server(uvicorn.Config(http_app(app), log_config=None,
                                                   lifespan="off"))
            task = asyncio.create_task(server.serve(sockets=[sock]))
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            server.should_exit = True
            await task

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    assert started.wait(60)
    yield f"http://127.0.0.1:{port}"
    stop.set()
    thread.join(10)


def copy_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    return rules


def copy_seeds(tmp_path: Path) -> Path:
    """The seeds in the test's own directory: the sources page (and its screenshot in the
    README) shows a folder source's path, which then is not the checkout's."""
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    return seeds


def _check(name: str) -> str:
    """A page check of ``pagechecks/``: a JavaScript function, its comment lines dropped (so
    Playwright sees a function to call)."""
    text = (Path(__file__).parent / "pagechecks" / name).read_text("utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//"))


LOW_CONTRAST = _check("low_contrast.js")  # text under 4.5:1 against what is behind it
UNLABELLED = _check("unlabelled.js")  # controls without an accessible name
FOCUSED = _check("focused.js")  # the focused element, and whether its focus ring shows
