"""Composition root: builds the stages of a monitor from its settings (``open_app``).

The lifecycle (scheduler, API server, signals) is in ``monitor.service``."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TextIO

import httpx

from monitor.channels import open_delivery
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.delivery import Deliverer, DeliveryReport
from monitor.fetch import make_user_agent
from monitor.ingest import fetch_client, make_fetcher, schedule_bounds
from monitor.matcher import Matcher
from monitor.metrics import Metrics
from monitor.models import NewAlert
from monitor.pipeline import Pipeline, PollReport
from monitor.reload import Reloader
from monitor.retention import Pruner
from monitor.rulesync import RuleSync
from monitor.sourcesync import declared_sources, sync_sources
from monitor.store import Store
from monitor.store.ops import outbox_depth
from monitor.store.tables import SourceRow

log = logging.getLogger("monitor.daemon")


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
    metrics: Metrics = field(default_factory=Metrics)
    reloader: Reloader | None = None
    ticks: dict[str, datetime] = field(default_factory=dict)  # job -> last run, for /readyz
    stopping: bool = False
    rulesync: RuleSync | None = None
    pruner: Pruner | None = None

    def current_matcher(self) -> Matcher:
        return self.matcher

    def use_matcher(self, matcher: Matcher) -> None:
        """Put a reloaded rule set in force and announce it to the other workers."""
        self._switch(matcher)
        if self.rulesync is not None:
            self.rulesync.publish(matcher)

    def follow_rules(self) -> None:
        """Switch to the rule set another worker announced in the database, if newer."""
        if self.rulesync is not None:
            fresh = self.rulesync.check(self.matcher)
            if fresh is not None:
                self._switch(fresh)

    def _switch(self, matcher: Matcher) -> None:
        self.matcher = matcher  # the next poll matches with it
        self.metrics.rules_loaded(matcher.version, len(matcher.rules))

    def report(self, reports: list[PollReport]) -> None:
        for r in reports:
            for alert in r.alerts:
                print_alert(alert, self.out)
            if r.status == "error" or r.error:
                print(f"source {r.source_id} ({r.location}): {r.error}", file=sys.stderr)

    async def cycle(self, *, everything: bool,
                    progress: Callable[[PollReport], None] | None = None,
                    claimed: Callable[[int], None] | None = None,
                    ) -> tuple[list[PollReport], DeliveryReport]:
        if progress is None and claimed is None:
            reports = await self.pipeline.poll_due(everything=everything)
        else:
            rows = self.store.claim_sources(self.clock(), worker=self.settings.worker_id,
                                            lease=timedelta(minutes=10), limit=500,
                                            due_only=not everything)
            if claimed:
                claimed(len(rows))

            async def one(row: SourceRow) -> PollReport:
                report = await self.pipeline.poll(row)
                if progress:
                    progress(report)
                return report

            reports = list(await asyncio.gather(*(one(row) for row in rows)))
        self.report(reports)
        return reports, await self.deliverer.deliver_due()


async def open_app(stack: AsyncExitStack, settings: Settings, *, clock: Clock = utcnow,
                   out: TextIO | None = None) -> App:
    """Build the application; the rule set is loaded first so a broken one stops the start."""
    matcher = Matcher.load(settings.rules_dir)
    store = Store.open(settings.database_url)
    stack.callback(store.close)
    ensure_default_source(store, settings, clock)
    http = await stack.enter_async_context(fetch_client(
        settings, make_user_agent(settings.user_agent, settings.contact_url)))
    metrics = Metrics()
    delivery = await open_delivery(stack, settings, store, clock, metrics=metrics)
    app_ref: list[App] = []

    def matcher_now() -> Matcher:
        return app_ref[0].current_matcher()

    metrics.rules_loaded(matcher.version, len(matcher.rules))
    metrics.watch_outbox(lambda: outbox_depth(store))
    pipeline = Pipeline(store, matcher_now, make_fetcher(http, settings), clock,
                        targets=delivery.target_names, worker=settings.worker_id,
                        bounds=schedule_bounds(settings),
                        alert_per_story=settings.alert_per_story,
                        story_window=timedelta(days=settings.story_window_days),
                        lease=timedelta(seconds=settings.lease_seconds), metrics=metrics,
                        sitemap_pages=settings.sitemap_pages)
    deliverer = delivery.deliverer
    app = App(settings, store, matcher, http, pipeline, deliverer, clock, out or sys.stdout,
              metrics)
    app.rulesync = RuleSync(store, settings.rules_dir, clock, worker=settings.worker_id)
    app.rulesync.publish(matcher)
    app.pruner = Pruner(store, clock, worker=settings.worker_id,
                        retention_days=settings.retention_days)
    app_ref.append(app)
    # Declared sources are applied before the first poll; a broken file stops the start.
    declared = declared_sources(settings)
    if declared is not None:
        sync_sources(store, declared, clock())
    app.reloader = Reloader(settings, store, clock, matcher, app.use_matcher, metrics)
    app.reloader.sources_applied()
    log.info("rules.loaded", extra={"version": matcher.version, "rules": len(matcher.rules)})
    return app




async def run_once(settings: Settings, *, out: TextIO | None = None) -> int:
    """Poll every source once, deliver what is pending, exit (see ``monitor.service``)."""
    from monitor.service import run_once as run

    return await run(settings, out=out)


async def run_forever(settings: Settings, *, out: TextIO | None = None,
                      ready: Callable[[], None] | None = None) -> int:
    """The daemon until SIGTERM or SIGINT (see ``monitor.service``)."""
    from monitor.service import run_forever as run

    return await run(settings, out=out, ready=ready)
