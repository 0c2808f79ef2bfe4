"""Runs a scenario against the real API application in-process (httpx.ASGITransport)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import TypeVar

import httpx

from monitor.api import create_api
from monitor.app import App, open_app
from monitor.config import Settings
from monitor.delivery.worker import DeliveryReport
from monitor.reader.poller import PollReport

T = TypeVar("T")
TOKEN = "test-token-5f1d0c"
Scenario = Callable[[httpx.AsyncClient, App], Awaitable[T]]


def with_api(settings: Settings, scenario: Scenario[T], *, token: str | None = TOKEN,
             ticked: bool = True) -> T:
    """Open the app over ``settings``, then run ``scenario(client, app)``."""

    async def go() -> T:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            if ticked:
                app.ticks["scheduler"] = app.clock()
            transport = httpx.ASGITransport(app=create_api(app))
            headers = {"authorization": f"Bearer {token}"} if token else {}
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost",
                                         headers=headers) as client:
                return await scenario(client, app)

    return asyncio.run(go())


async def cycle(app: App) -> tuple[list[PollReport], DeliveryReport]:
    """What ``monitor run --once`` does with an open app: poll every source, then deliver."""
    reports = await app.pipeline.poll_due(everything=True)
    return reports, await app.deliverer.deliver_due()
