"""Runs a scenario against the console and API in-process, as ``monitor run`` serves them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TypeVar

import httpx

from monitor.app import App, open_app
from monitor.config import Settings
from monitor.daemon import http_app
from tests.conftest import LOOPBACK, RULES

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "console-token-7a1"


def settings_for(tmp: Path, *, token: str | None = TOKEN, **extra: object) -> Settings:
    # The seeds are the console's sample data: demo lets their alerts reach the (loopback)
    # targets, whose deliveries the console shows and replays.
    extra = {"allow_private_networks": LOOPBACK, "demo": True, "backlog_hours": -1, **extra}
    return Settings(database_url=f"sqlite:///{tmp / 'monitor.db'}",
                    rules_dir=extra.pop("rules_dir", RULES),  # type: ignore[arg-type]
                    seeds_dir=extra.pop("seeds_dir", ROOT / "seeds"),  # type: ignore[arg-type]
                    worker_id="console-test", api_token=token, **extra)  # type: ignore[arg-type]


def with_console(settings: Settings, scenario: Callable[[httpx.AsyncClient, App], Awaitable[T]],
                 *, polled: bool = True) -> T:
    async def go() -> T:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            if polled:
                await app.pipeline.poll_due(everything=True)
            asgi = http_app(app)
            stack.callback(asgi.state.evaluator.close)  # the workbench's worker processes
            transport = httpx.ASGITransport(app=asgi)
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://127.0.0.1:8080") as client:
                return await scenario(client, app)

    return asyncio.run(go())


async def log_in(client: httpx.AsyncClient, token: str | None = TOKEN) -> str:
    """Log in (or get the loopback session) and return the page's CSRF token."""
    if token is None:
        await client.get("/login")
    else:
        r = await client.post("/login", data={"token": token, "next": "/"})
        assert r.status_code == 303, r.text
    return csrf_of((await client.get("/")).text)


def csrf_of(html: str) -> str:
    found = re.search(r'data-csrf="([0-9a-f]+)"', html)
    assert found, html[:500]
    return found.group(1)
