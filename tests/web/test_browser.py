"""Browser tests of the console: Playwright for Python driving Debian's chromium against the
real daemon's HTTP app served by uvicorn on loopback. Under CI=true they never skip."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from monitor.app import open_app
from monitor.daemon import http_app
from monitor.store.tables import DeliveryRow
from tests.web.consolehelp import ROOT, TOKEN, settings_for

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need_browser() -> Any:
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


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    """The daemon's HTTP app (API + console) on a loopback port, over polled seeds."""
    import uvicorn

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    settings = settings_for(tmp_path, rules_dir=rules, webhook_url="http://127.0.0.1:9/hook")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    started, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            await app.pipeline.poll_due(everything=True)
            with app.store.session() as s:  # one dead delivery to replay
                first = s.exec(__import__("sqlmodel").select(DeliveryRow)).first()
                s.execute(update(DeliveryRow).where(DeliveryRow.id == first.id)
                          .values(status="dead", last_error="HTTP 500"))
            server = uvicorn.Server(uvicorn.Config(http_app(app), log_config=None,
                                                   lifespan="off"))
            task = asyncio.create_task(server.serve(sockets=[sock]))
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            server.should_exit = True
            await task

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    assert started.wait(60)
    yield f"http://127.0.0.1:{port}"
    stop.set()
    thread.join(10)


def test_console_flows_in_chromium(server: str) -> None:
    sync_playwright = _need_browser()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))

        def shot(name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

        page.goto(server + "/")
        assert "/login" in page.url
        shot("login")
        page.get_by_label("API token").fill(TOKEN)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_selector("#alerts mark")
        shot("alerts")

        # Triage by key and see the rule's precision change.
        rule = page.locator("#alerts .alert").first.locator(".badge").first.inner_text()
        page.goto(server + "/rules")
        before = page.locator("td.precision").all_inner_texts()
        page.goto(server + "/")
        page.keyboard.press("j")
        with page.expect_response(re.compile(r"/triage$")):
            page.keyboard.press("r")
        page.wait_for_selector(".alert.triaged-relevant")
        page.goto(server + "/rules")
        after = page.locator("td.precision").all_inner_texts()
        assert before != after and "100%" in after, (rule, before, after)
        shot("rules")

        # Edit a rule: a syntax error at its line, fixed, then the backtest.
        page.goto(server + "/rules/edit?id=sanctions")
        page.fill("#yaml", "id: sanctions\nname: Sanctions\nquery: (embargo AND\n")
        page.wait_for_selector("#problems .problem[data-line='3']")
        page.fill("#yaml", "id: sanctions\nname: Sanctions\nquery: embargo OR sanctions\n")
        page.wait_for_selector("#problems .valid")
        page.get_by_role("button", name="Backtest").click()
        page.wait_for_selector("#backtest")
        shot("workbench")

        # Pause a source.
        page.goto(server + "/sources")
        page.locator("td.actions button", has_text="pause").first.click()
        page.wait_for_selector(".badge.off")
        shot("sources")

        page.goto(server + "/stories?all=1")
        shot("stories")

        # Replay a dead delivery.
        page.goto(server + "/deliveries")
        page.get_by_role("button", name=re.compile("replay delivery")).first.click()
        page.wait_for_selector("text=queued again")
        shot("deliveries")

        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(server + "/")
        phone.screenshot(path=str(ARTIFACTS / "alerts-phone.png"), full_page=False)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, f"the inbox scrolls sideways on a phone: {width}px"
        browser.close()
    print(f"screenshots in {ARTIFACTS}")
    assert not errors, errors
