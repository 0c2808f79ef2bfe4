"""Rule evaluations in killable worker processes: deadline, memory cap, concurrency, clients
that go away, and /healthz when the loop or the worker threads are stuck."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from dataclasses import replace

import httpx
import pytest

from monitor.api.health import Vitals
from monitor.app import App
from monitor.config import Settings
from monitor.rules.language import detect_language
from monitor.sandbox import Busy, Evaluator, Gone, OverMemory, OverTime
from tests.apiclient import with_api

_KEPT: list[bytearray] = []


def keep(size: int) -> int:
    """A task that leaves its worker ``size`` bytes bigger (in the worker process)."""
    kept = bytearray(size)
    for page in range(0, size, 4096):  # touched, so resident
        kept[page] = 1
    _KEPT.append(kept)
    return len(_KEPT)


def _evaluator(**kw: float) -> Evaluator:
    args = {"workers": 1, "timeout": 1.0, "memory_bytes": 64 * 2**20, **kw}
    return Evaluator(workers=int(args["workers"]), timeout=args["timeout"],
                     memory_bytes=int(args["memory_bytes"]), preload=["monitor.api.rules"])


def test_a_task_over_its_deadline_is_killed_and_the_next_one_runs() -> None:
    async def go() -> None:
        ev = _evaluator(timeout=0.5)
        try:
            assert await ev.run(sum, [1, 2, 3]) == 6
            started = time.monotonic()
            with pytest.raises(OverTime):
                await ev.run(time.sleep, 60)
            assert time.monotonic() - started < 3
            assert await ev.run(len, "abc") == 3  # a fresh worker took over
        finally:
            ev.close()

    asyncio.run(go())


def test_a_task_over_its_memory_cap_fails_cleanly() -> None:
    async def go() -> None:
        ev = _evaluator(timeout=10)
        try:
            with pytest.raises(OverMemory):
                await ev.run(bytearray, 512 * 2**20)
            assert await ev.run(len, bytearray(2**20)) == 2**20
        finally:
            ev.close()

    asyncio.run(go())


def test_excess_tasks_are_refused_and_a_gone_client_kills_its_task() -> None:
    async def go() -> None:
        ev = _evaluator(timeout=30)
        try:
            slow = asyncio.ensure_future(ev.run(time.sleep, 30))
            await asyncio.sleep(0.5)
            with pytest.raises(Busy):
                await ev.run(len, "x")
            worker = next(iter(ev._live))
            slow.cancel()  # as when the server stops the request
            with pytest.raises(asyncio.CancelledError):
                await slow
            assert not worker.process.is_alive()

            async def gone() -> bool:
                return True

            started = time.monotonic()
            with pytest.raises(Gone):
                await ev.run(time.sleep, 30, gone=gone)
            assert time.monotonic() - started < 2
            assert not ev._live
        finally:
            ev.close()

    asyncio.run(go())


def test_rules_test_answers_its_limits_by_name(settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        api = client._transport.app  # type: ignore[attr-defined]
        api.state.evaluator.timeout = 0.0
        r = await client.post("/api/v1/rules/test", json={"query": "embassy", "text": "x"})
        assert r.status_code == 422
        assert "MONITOR_RULE_TEST_TIMEOUT" in r.json()["error"]["message"]
        api.state.evaluator._busy = api.state.evaluator.workers
        r = await client.post("/api/v1/rules/validate", json={"query": "embassy"})
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        api.state.evaluator._busy = 0
        api.state.evaluator.close()

    with_api(replace(settings, api_token=None), scenario, token=None)


def test_healthz_fails_when_the_loop_stalls_or_the_threads_are_stuck(settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        api = client._transport.app  # type: ignore[attr-defined]
        vitals: Vitals = api.state.vitals
        watch = asyncio.create_task(vitals.watch())
        try:
            await asyncio.sleep(0.3)
            assert (await client.get("/healthz")).status_code == 200
            time.sleep(0.8)  # the loop is blocked
            await asyncio.sleep(0.3)
            r = await client.get("/healthz")
            assert r.status_code == 503
            assert "event loop stalled" in r.json()["reasons"][0]
            vitals.stalls.clear()
            release = threading.Event()
            loop = asyncio.get_running_loop()
            executor_size = 64
            stuck = [loop.run_in_executor(None, release.wait) for _ in range(executor_size)]
            r = await client.get("/healthz")
            release.set()
            await asyncio.gather(*stuck)
            assert r.status_code == 503
            assert r.json()["reasons"] == ["the worker threads did not answer within 0.5 s"]
        finally:
            watch.cancel()

    with_api(replace(settings, api_token=None, health_max_lag_seconds=0.5), scenario,
             token=None)


def test_a_worker_that_grew_is_retired_and_a_lean_one_kept() -> None:
    async def go() -> None:
        # Retirement is by growth, not by the cap: room for the task's own imports too (the
        # forkserver may be the one an earlier test started, with other modules loaded).
        ev = _evaluator(timeout=30, memory_bytes=256 * 2**20)
        try:
            assert await ev.run(len, "abc") == 3
            [lean] = ev._idle
            assert await ev.run(len, "abcd") == 4
            assert ev._idle == [lean]  # kept: it holds nothing more than at its start
            assert await ev.run(keep, 40 * 2**20) == 1  # over RETIRE_GROWTH, under the cap
            assert not ev._idle and not ev._live and not lean.process.is_alive()
            assert await ev.run(keep, 1) == 1  # a fresh worker, without the 40 MB
        finally:
            ev.close()

    asyncio.run(go())


def _private_mb(pid: int) -> float:
    """Memory of ``pid`` that no other process shares (its own pages), in MB."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return sum(int(line.split()[1]) for line in f
                   if line.startswith(("Private_Clean:", "Private_Dirty:"))) / 1024


def test_workers_share_the_language_model_loaded_before_they_fork() -> None:
    # Every test of a rule on a text detects its language: a worker that loaded the model
    # itself held ~72 MB of its own, and the next worker loaded it again.
    async def go() -> None:
        ev = _evaluator(timeout=30)
        try:
            text = "Le ministre des affaires étrangères a convoqué l'ambassadeur ce matin."
            assert await ev.run(detect_language, text) == "fr"
            [worker] = ev._idle  # kept: the detection did not grow it
            assert _private_mb(worker.process.pid or 0) < 24
            assert await ev.run(detect_language, "The embassy was closed on Monday.") == "en"
            assert ev._idle == [worker]
        finally:
            ev.close()

    asyncio.run(go())


def test_the_workers_functions_load_neither_the_web_stack_nor_the_store() -> None:
    # The forkserver imports them before it forks: whatever they load, every worker starts
    # from (the API's modules took the forkserver from ~27 MB to ~100 MB).
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, monitor.evaluations; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert not {"starlette", "sqlalchemy", "jinja2", "httpx", "monitor.api", "monitor.web",
                "monitor.store", "monitor.app"} & set(loaded)
