"""The running daemon keeps its event loop free of the database: every statement any part of it
runs (start, poll ticks, deliveries, reloads, API requests, stop) runs on another thread.

The event loop is the one uvicorn serves the API and the console on: a statement run on it
stalls every request for as long as the database takes (bench/bench_api_latency.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import traceback
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from monitor.config import Settings
from monitor.daemon import run_forever
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import SECRET

TOKEN = "loop-token-3b9f0e1c"


@pytest.fixture
def on_loop() -> Iterator[list[str]]:
    """Every SQL statement run on a thread that is running an event loop, with where from."""
    found: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: where the store belongs
        where = [f"{f.filename.rsplit('/monitor/', 1)[-1]}:{f.lineno} {f.name}"
                 for f in traceback.extract_stack() if "/monitor/" in f.filename]
        found.append(f"{statement.split()[0]} ... via {' > '.join(where[-4:])}")

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.mark.backends  # PostgreSQL: the several-worker mode, where rule sets are followed
def test_no_database_statement_runs_on_the_event_loop(settings: Settings,
                                                      server: LoopbackServer,
                                                      on_loop: list[str]) -> None:
    server.route("/hook", Reply(200))
    port = _free_port()
    settings = replace(settings, webhook_url=server.url("/hook"), webhook_secret=SECRET,
                       api_port=port, api_token=TOKEN, poll_tick_seconds=0.5,
                       deliver_tick_seconds=0.5, reload_seconds=0.5,
                       shutdown_grace_seconds=5)
    answers: dict[str, int] = {}

    async def go() -> int:
        daemon = asyncio.create_task(run_forever(settings))
        try:
            # The seeds folder's alerts reach the webhook: a poll and a delivery have run.
            await asyncio.wait_for(asyncio.to_thread(server.wait_for, 1, "/hook", 60), 90)
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, timeout=30,
                                         headers={"authorization": f"Bearer {TOKEN}"}) as c:
                for _ in range(100):  # uvicorn listens soon after the first tick
                    try:
                        await c.get("/healthz")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                for method, path in (("GET", "/readyz"), ("GET", "/api/v1/alerts"),
                                     ("GET", "/api/v1/sources"), ("GET", "/api/v1/stories"),
                                     ("GET", "/api/v1/articles"), ("GET", "/metrics"),
                                     ("POST", "/api/v1/sources/1/poll")):
                    answers[f"{method} {path}"] = (await c.request(method, path)).status_code
            await asyncio.sleep(1.5)  # more ticks: polls, deliveries, reload checks
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # the daemon's own graceful stop
        return await asyncio.wait_for(daemon, 60)

    assert asyncio.run(go()) == 0
    assert answers["GET /api/v1/alerts"] == 200 and answers["POST /api/v1/sources/1/poll"] == 200
    assert not on_loop, "\n".join(dict.fromkeys(on_loop))
