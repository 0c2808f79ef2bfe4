"""The API as the daemon serves it (uvicorn on loopback): half-sent requests are closed, and a
rule evaluation whose client hung up is stopped."""

from __future__ import annotations

import asyncio
import socket
import time
from contextlib import AsyncExitStack
from dataclasses import replace

import httpx

from monitor.api import create_api
from monitor.api.server import server_config
from monitor.app import open_app
from monitor.config import Settings


def test_half_sent_heads_and_slow_bodies_are_closed_and_healthz_answers(
        settings: Settings) -> None:
    import uvicorn

    async def go() -> None:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, replace(settings, api_request_timeout_seconds=1.0))
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            server = uvicorn.Server(server_config(create_api(app), 1.0))
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started:
                await asyncio.sleep(0.01)
            conns = []
            for _ in range(100):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                conns.append((reader, writer))
            slow_r, slow_w = await asyncio.open_connection("127.0.0.1", port)
            slow_w.write(b"POST /api/v1/rules/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                started = time.monotonic()
                assert (await client.get("/healthz")).status_code == 200
                assert time.monotonic() - started < 1
            started = time.monotonic()
            for reader, _writer in conns:
                assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
            assert time.monotonic() - started < 3
            answer = await asyncio.wait_for(slow_r.read(), 5)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
            for _reader, writer in [*conns, (slow_r, slow_w)]:
                writer.close()
            # A keep-alive connection is not cut while its request runs, only while idle.
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(2):
                    assert (await client.get("/healthz")).status_code == 200
                    await asyncio.sleep(0.6)
            server.should_exit = True
            await serving

    asyncio.run(go())


def test_a_rule_test_whose_client_hangs_up_is_stopped(settings: Settings) -> None:
    """Through uvicorn and the request guard: the hang-up is seen while the evaluation runs,
    and its worker process is killed (six such requests once held every worker thread)."""
    import uvicorn

    async def go() -> None:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, replace(settings, api_token=None))
            api = create_api(app)
            evaluator = api.state.evaluator
            evaluator.timeout = 60.0
            real_run = evaluator.run

            async def slow(fn: object, *args: object, gone: object = None) -> object:
                return await real_run(time.sleep, 60, gone=gone)  # an evaluation of a minute

            evaluator.run = slow
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            server = uvicorn.Server(server_config(api, 5.0))
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started:
                await asyncio.sleep(0.01)
            body = b'{"query": "embassy", "text": "The embassy closed."}'
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /api/v1/rules/test HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
            await writer.drain()
            deadline = time.monotonic() + 30
            while not any(w.tasks for w in evaluator._live) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)  # the worker starts, then gets the task
            [worker] = evaluator._live
            writer.close()
            started = time.monotonic()
            while evaluator._busy and time.monotonic() - started < 5:
                await asyncio.sleep(0.05)
            assert not evaluator._busy and not worker.process.is_alive()
            assert time.monotonic() - started < 2
            evaluator.close()
            server.should_exit = True
            await serving

    asyncio.run(go())
