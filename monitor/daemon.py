"""Composition root and lifecycle: builds the stages, runs the scheduler, handles signals."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.delivery import Deliverer, DeliveryReport
from monitor.fetch import Fetcher
from monitor.matcher import Matcher
from monitor.models import NewAlert
from monitor.notify import Notifier, WebhookNotifier
from monitor.pipeline import Pipeline, PollReport
from monitor.retention import Pruner
from monitor.rulesync import RuleSync
from monitor.store import Store

log = logging.getLogger("monitor.daemon")

DEFAULT_TARGET = "default"


def print_alert(alert: NewAlert, out: TextIO) -> None:
    """One alert for people at a console: rule, title, source, and the first evidence."""
    print(f"ALERT [{alert.rule_id}] {alert.article_title}", file=out)
    print(f"  source: {alert.source}" + (f"  url: {alert.article_url}" if alert.article_url
                                         else ""), file=out)
    for ev in alert.evidence[:3]:
        print(f"  why: {ev.field} {ev.term!r}: {ev.snippet}", file=out)
    out.flush()


def ensure_default_source(store: Store, settings: Settings, clock: Clock) -> None:
    """A new database starts with the seeds folder as its one source."""
    if store.get_meta("seeded") is None:
        if store.count_sources() == 0 and settings.seeds_dir.is_dir():
            store.add_source("folder", str(settings.seeds_dir.resolve()),
                             interval=settings.default_interval_seconds, now=clock())
        store.set_meta("seeded", "1")


@dataclass
class App:
    """Every long-lived part of a running monitor, built once from the settings."""

    settings: Settings
    store: Store
    matcher: Matcher
    http: httpx.AsyncClient
    pipeline: Pipeline
    deliverer: Deliverer
    clock: Clock = utcnow
    out: TextIO = field(default_factory=lambda: sys.stdout)
    rulesync: RuleSync | None = None
    pruner: Pruner | None = None

    def current_matcher(self) -> Matcher:
        return self.matcher

    def follow_rules(self) -> None:
        """Switch to the rule set another worker announced in the database, if newer."""
        if self.rulesync is not None:
            fresh = self.rulesync.check(self.matcher)
            if fresh is not None:
                self.matcher = fresh

    def report(self, reports: list[PollReport]) -> None:
        for r in reports:
            for alert in r.alerts:
                print_alert(alert, self.out)
            if r.status == "error" or r.error:
                print(f"source {r.source_id} ({r.location}): {r.error}", file=sys.stderr)

    async def cycle(self, *, everything: bool) -> tuple[list[PollReport], DeliveryReport]:
        reports = await self.pipeline.poll_due(everything=everything)
        self.report(reports)
        return reports, await self.deliverer.deliver_due()


def build_notifiers(settings: Settings, client: httpx.AsyncClient) -> dict[str, Notifier]:
    notifiers: dict[str, Notifier] = {}
    if settings.webhook_url:
        secrets = [settings.webhook_secret] if settings.webhook_secret else []
        notifiers[DEFAULT_TARGET] = WebhookNotifier(DEFAULT_TARGET, settings.webhook_url,
                                                    secrets, client)
    return notifiers


async def open_app(stack: AsyncExitStack, settings: Settings, *, clock: Clock = utcnow,
                   out: TextIO | None = None) -> App:
    """Build the application; the rule set is loaded first so a broken one stops the start."""
    matcher = Matcher.load(settings.rules_dir)
    store = Store.open(settings.database_url)
    stack.callback(store.close)
    ensure_default_source(store, settings, clock)
    http = await stack.enter_async_context(httpx.AsyncClient(
        timeout=httpx.Timeout(settings.http_timeout_seconds, connect=10.0),
        headers={"user-agent": settings.user_agent}, follow_redirects=True,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32)))
    notifiers = build_notifiers(settings, http)
    app_ref: list[App] = []

    def matcher_now() -> Matcher:
        return app_ref[0].current_matcher()

    pipeline = Pipeline(store, matcher_now, Fetcher(http, max_bytes=settings.max_body_bytes),
                        clock, targets=list(notifiers), worker=settings.worker_id,
                        lease=timedelta(seconds=settings.lease_seconds))
    deliverer = Deliverer(store, notifiers, clock, worker=settings.worker_id)
    app = App(settings, store, matcher, http, pipeline, deliverer, clock, out or sys.stdout)
    app.rulesync = RuleSync(store, settings.rules_dir, clock, worker=settings.worker_id)
    app.rulesync.publish(matcher)
    app.pruner = Pruner(store, clock, worker=settings.worker_id,
                        retention_days=settings.retention_days)
    app_ref.append(app)
    return app


async def run_once(settings: Settings, *, out: TextIO | None = None) -> int:
    """Poll every source once, deliver what is pending, exit."""
    async with AsyncExitStack() as stack:
        app = await open_app(stack, settings, out=out)
        reports, delivery = await app.cycle(everything=True)
        alerts = sum(len(r.alerts) for r in reports)
        errors = sum(r.status == "error" for r in reports)
        print(f"polled {len(reports)} sources: {alerts} new alerts, {errors} failed; "
              f"delivered {delivery.delivered}, pending {delivery.failed}, dead {delivery.dead}",
              file=sys.stderr)
    return 0


async def run_forever(settings: Settings, *, out: TextIO | None = None,
                      ready: Callable[[], None] | None = None) -> int:
    """Poll due sources and deliver alerts until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as stack:
        app = await open_app(stack, settings, out=out)

        poll_lock, deliver_lock = asyncio.Lock(), asyncio.Lock()

        async def poll_tick() -> None:
            if not stop.is_set():
                async with poll_lock:
                    app.follow_rules()
                    app.report(await app.pipeline.poll_due())

        async def deliver_tick() -> None:
            if not stop.is_set():
                async with deliver_lock:
                    await app.deliverer.deliver_due()

        scheduler = AsyncIOScheduler(event_loop=loop)
        # One instance of each job at a time: a slow poll must not pile up behind itself.
        scheduler.add_job(poll_tick, "interval", seconds=settings.poll_tick_seconds,
                          max_instances=1, coalesce=True, next_run_time=app.clock())
        scheduler.add_job(deliver_tick, "interval", seconds=settings.deliver_tick_seconds,
                          max_instances=1, coalesce=True, next_run_time=app.clock())
        if app.pruner is not None:
            pruner = app.pruner

            async def prune_tick() -> None:
                # Hourly on every worker; the database makes it one daily prune for them all.
                if not stop.is_set():
                    await asyncio.to_thread(pruner.run_if_due)

            scheduler.add_job(prune_tick, "interval", hours=1, max_instances=1, coalesce=True,
                              next_run_time=app.clock() + timedelta(minutes=1))
        scheduler.start()
        log.info("daemon.started", extra={"worker": settings.worker_id})
        if ready:
            ready()
        await stop.wait()
        log.info("daemon.stopping")
        scheduler.shutdown(wait=False)
        # Running jobs finish their current write so that nothing is half-recorded; leases
        # left by anything cut short expire and the work is taken up again.
        async def drain() -> None:
            async with poll_lock, deliver_lock:
                pass

        try:
            await asyncio.wait_for(drain(), timeout=settings.shutdown_grace_seconds)
        except TimeoutError:
            log.warning("daemon.shutdown.timeout")
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)
    return 0
