"""The daemon's lifecycle: scheduler, HTTP API server, hot reload, signals and graceful stop.

``run_forever`` runs until SIGTERM or SIGINT. The first signal stops taking new work (no new
ticks, the API stops accepting connections) and gives in-flight polls and deliveries
``MONITOR_SHUTDOWN_GRACE`` seconds to finish; what is still running then is cancelled and its
leases released so that another worker takes it up at once; the exit status is then 0. A
second signal exits at once with 128 + the signal number (143: SIGTERM, 130: SIGINT).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.app import App, open_app
from monitor.config import Settings, check_api_binding
from monitor.delivery.worker import DeliveryReport
from monitor.reader.poller import PollReport
from monitor.store.leases import release_leases
from monitor.takeover import reclaim_leases

log = logging.getLogger("monitor.daemon")


@dataclass(frozen=True)
class CycleReport:
    """What one ``run --once`` cycle did: every poll, and the deliveries made after them."""

    polls: list[PollReport]
    delivery: DeliveryReport


async def run_once(settings: Settings, *, claimed: Callable[[int], None] | None = None,
                   polled: Callable[[PollReport], None] | None = None) -> CycleReport:
    """Poll every source once, deliver what is pending, and say what happened (the CLI
    prints it: ``claimed`` and ``polled`` drive its progress bar)."""
    async with AsyncExitStack() as stack:
        app = await open_app(stack, settings)
        await asyncio.to_thread(reclaim_leases, app.store, settings.worker_id)
        polls = await app.pipeline.poll_due(everything=True, claimed=claimed, polled=polled)
        return CycleReport(polls, await app.deliverer.deliver_due())


def bind_api_socket(settings: Settings) -> socket.socket:
    """The API's listening socket, bound before serving so that port 0 gives a known port."""
    check_api_binding(settings)
    family = socket.AF_INET6 if ":" in settings.api_host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.api_host, settings.api_port))
    except OSError as exc:
        sock.close()
        from monitor.errors import ConfigError

        raise ConfigError("MONITOR_API_PORT", f"cannot listen on {settings.api_host}:"
                          f"{settings.api_port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def http_app(app: App) -> Any:
    """The API with the web console mounted at ``/`` after the API's own routes."""
    from starlette.routing import Mount

    from monitor.api import create_api
    from monitor.web import create_console

    asgi = create_api(app)
    asgi.router.routes.append(Mount("/", app=create_console(app, asgi.state.evaluator)))
    return asgi


class _Server:
    """uvicorn serving the API on our socket, leaving the signals to us."""

    def __init__(self, app: App, sock: socket.socket) -> None:
        import uvicorn

        from monitor.api.server import server_config

        class Server(uvicorn.Server):
            def capture_signals(self) -> Any:  # the daemon owns SIGTERM/SIGINT
                from contextlib import nullcontext

                return nullcontext()

        self.api = http_app(app)  # the API, with the console mounted after its routes
        self.server = Server(server_config(self.api, app.settings.api_request_timeout_seconds))
        self.sock = sock

    async def serve(self) -> None:
        watchdog = asyncio.create_task(self.api.state.vitals.watch())
        warm = asyncio.create_task(self.api.state.evaluator.warm())
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            watchdog.cancel()
            warm.cancel()

    def stop(self) -> None:
        # Rule evaluations are killed now: they would hold their requests open past the grace.
        self.api.state.evaluator.close()
        self.server.should_exit = True


async def run_forever(settings: Settings, *, polled: Callable[[list[PollReport]], None] | None
                      = None, ready: Callable[[], None] | None = None,
                      api: bool | None = None) -> int:
    """Poll due sources, deliver alerts and serve the API until SIGINT or SIGTERM; ``polled``
    hears what each poll tick did (the CLI prints its alerts)."""
    serve_api = settings.api_enabled if api is None else api
    sock = bind_api_socket(settings) if serve_api else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            log.warning("daemon.shutdown.forced", extra={"signal": signal.Signals(signum).name})
            logging.shutdown()
            os._exit(128 + signum)
        log.info("daemon.stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    try:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            await asyncio.to_thread(reclaim_leases, app.store, settings.worker_id)
            await _serve(app, settings, stop, sock, ready, polled)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if sock is not None:
            sock.close()
    return 0


async def _serve(app: App, settings: Settings, stop: asyncio.Event, sock: socket.socket | None,
                 ready: Callable[[], None] | None,
                 polled: Callable[[list[PollReport]], None] | None) -> None:
    in_flight: set[asyncio.Task[Any]] = set()
    poll_lock = asyncio.Lock()

    async def tracked(lock: asyncio.Lock, work: Coroutine[Any, Any, Any]) -> None:
        # Work runs in its own task so that the grace period can cancel exactly it.
        async with lock:
            if stop.is_set():
                work.close()
                return
            task = asyncio.ensure_future(work)
            in_flight.add(task)
            try:
                await asyncio.shield(task)
            finally:
                in_flight.discard(task)

    async def poll_work() -> None:
        # A rule set another worker loaded reaches this one here (a read of the store, and
        # the rule files' parsing when they changed: both off the event loop).
        await asyncio.to_thread(app.follow_rules)
        if app.websub is not None:  # leases renewed, removed sources unsubscribed
            await app.websub.maintain()
        reports: list[PollReport] = await app.pipeline.poll_due()
        if polled is not None:
            polled(reports)
        app.deliverer.start_due()  # new alerts go out now, not at the next tick
        await wake_when_due()

    async def wake_when_due() -> None:
        # A source falling due between two ticks is polled then, not at the next tick: with
        # the 15 s tick, a 60 s interval would otherwise stretch to 75 s. At most one wake-up
        # a second, so that a due source another worker holds cannot spin the loop.
        due = await asyncio.to_thread(app.store.next_due_at)
        job = scheduler.get_job("poll")
        if due is None or job is None or job.next_run_time is None:
            return
        at = max(due, app.clock() + timedelta(seconds=1))
        if at < job.next_run_time:
            job.modify(next_run_time=at)

    running: dict[str, asyncio.Task[Any]] = {}

    def settled(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("daemon.tick.failed", extra={"job": task.get_name(), "error": repr(exc)})

    def start(job: str, work: Callable[[], Awaitable[Any]]) -> None:
        # A tick only starts its job. While the job still runs the tick has nothing to add
        # (the running poll takes up what is due, the running reload reads the latest files),
        # so it returns at once: awaiting the job here would make the scheduler skip, and warn
        # about, every tick of a job longer than its interval.
        current = running.get(job)
        if (current is not None and not current.done()) or stop.is_set():
            return
        task = running[job] = asyncio.ensure_future(work())
        task.set_name(job)
        task.add_done_callback(settled)

    async def poll_tick() -> None:
        app.ticks["poll"] = app.clock()
        app.metrics.scheduler_ticks.labels("poll").inc()
        start("poll", lambda: tracked(poll_lock, poll_work()))

    async def deliver_tick() -> None:
        app.ticks["deliver"] = app.clock()
        app.metrics.scheduler_ticks.labels("deliver").inc()
        # Each target drains in its own task: a slow receiver delays only itself.
        if not stop.is_set():
            app.deliverer.start_due()

    async def reload_tick() -> None:
        app.ticks["scheduler"] = app.clock()
        if (reloader := app.reloader) is not None:
            start("reload", lambda: asyncio.to_thread(reloader.check))

    scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
    # One instance of each job at a time: a slow poll must not pile up behind itself.
    for job, seconds in ((poll_tick, settings.poll_tick_seconds),
                         (deliver_tick, settings.deliver_tick_seconds),
                         (reload_tick, settings.reload_seconds)):
        scheduler.add_job(job, "interval", seconds=seconds, max_instances=1, coalesce=True,
                          next_run_time=app.clock(), misfire_grace_time=None,
                          id=job.__name__.removesuffix("_tick"))
    if app.pruner is not None:
        pruner = app.pruner

        async def prune_tick() -> None:
            # Hourly on every worker; a lease in the database makes it one daily prune for all.
            if not stop.is_set():
                await asyncio.to_thread(pruner.run_if_due)

        scheduler.add_job(prune_tick, "interval", hours=1, max_instances=1, coalesce=True,
                          next_run_time=app.clock() + timedelta(minutes=1))
    scheduler.start()
    server = _Server(app, sock) if sock is not None else None
    server_task = asyncio.create_task(server.serve()) if server is not None else None
    address = None
    if sock is not None:
        host, port = sock.getsockname()[:2]
        address = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
        log.info("api.listening", extra={"url": address})
        print(f"monitor: API listening on {address}", file=sys.stderr, flush=True)
    log.info("daemon.started", extra={"worker": settings.worker_id, "api": address})
    if ready:
        ready()
    await stop.wait()
    app.stopping = True
    scheduler.shutdown(wait=False)
    # In-flight work gets the grace period; what is still running then is cancelled and its
    # leases are given back, so that another worker can take it up without waiting for expiry.
    app.deliverer.stop()  # batches in flight finish; no new ones start
    pending = {*in_flight, asyncio.ensure_future(app.deliverer.wait_idle())}
    _done, pending = await asyncio.wait(pending, timeout=settings.shutdown_grace_seconds)
    if pending:
        log.warning("daemon.shutdown.timeout", extra={"tasks": len(pending)})
        for task in pending:
            task.cancel()
        app.deliverer.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.gather(*running.values(), return_exceptions=True)  # ticks' jobs, now ended
    sources, deliveries = await asyncio.to_thread(release_leases, app.store,
                                                  settings.worker_id)
    if server is not None and server_task is not None:
        server.stop()
        await server_task
    log.info("daemon.stopped", extra={"released_sources": sources,
                                      "released_deliveries": deliveries})
