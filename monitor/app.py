"""Composition root: builds every long-lived part of a monitor from its settings (``open_app``).

This is the one module that knows every room: it wires the reader (HTTP client, fetcher,
schedule bounds), the rules, the delivery side (targets, notifiers, the outbox worker) and the
store together. The lifecycle that runs them (scheduler, API server, signals) is
``monitor.daemon``; nothing here prints.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from monitor.clock import Clock, utcnow
from monitor.config import Settings, unknown_rule_ids
from monitor.delivery.notifiers import Notifier
from monitor.delivery.notifiers.transport import LeanTransport
from monitor.delivery.notifiers.webhook import WebhookNotifier
from monitor.delivery.payload import alert_payload, breaking_payload
from monitor.delivery.targets import (
    DEFAULT_TARGET,
    TargetConfig,
    choose,
    parse_noise,
    parse_targets,
)
from monitor.delivery.worker import Deliverer, RetryPolicy
from monitor.errors import ConfigError
from monitor.metrics import Metrics
from monitor.pruner import Pruner
from monitor.reader import semantic
from monitor.reader.breaking import BreakingDefaults
from monitor.reader.fetcher import Fetcher, FetchLimits, make_user_agent
from monitor.reader.poller import Pipeline
from monitor.reader.schedule import ScheduleBounds
from monitor.reader.urlpolicy import URLPolicy, pinned_transport
from monitor.reader.websub import Subscriber
from monitor.reload import Reloader
from monitor.rules import Matcher
from monitor.rules.rulecache import cache_dir
from monitor.rules.versions import RuleSync
from monitor.store import Store
from monitor.store.alertlist import outbox_depth
from monitor.store.sources import SourceSpec
from monitor.subscriptions import FolderAccess, Subscriptions, declared_sources

log = logging.getLogger("monitor.app")


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
    metrics: Metrics = field(default_factory=Metrics)
    reloader: Reloader | None = None
    ticks: dict[str, datetime] = field(default_factory=dict)  # job -> last run, for /readyz
    stopping: bool = False
    rulesync: RuleSync | None = None
    pruner: Pruner | None = None
    websub: Subscriber | None = None  # with MONITOR_PUBLIC_URL only

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


# -- the reader's wiring ------------------------------------------------------------------

def url_policy(settings: Settings) -> URLPolicy:
    """The URL policy of ``MONITOR_ALLOW_PRIVATE_NETWORKS``; also for webhook targets."""
    return URLPolicy.from_setting(settings.allow_private_networks)


def fetch_client(settings: Settings, user_agent: str) -> httpx.AsyncClient:
    """The one HTTP client of sources: every connection to an address the URL policy allows."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    return httpx.AsyncClient(
        transport=pinned_transport(url_policy(settings), limits=limits),
        timeout=httpx.Timeout(settings.http_timeout_seconds, connect=10.0),
        headers={"user-agent": user_agent}, follow_redirects=True)


def make_fetcher(client: httpx.AsyncClient, settings: Settings) -> Fetcher:
    limits = FetchLimits(max_bytes=settings.max_body_bytes,
                         deadline_seconds=settings.fetch_deadline_seconds,
                         max_redirects=settings.max_redirects,
                         concurrency=settings.fetch_concurrency,
                         per_host=settings.per_host_concurrency)
    return Fetcher(client, limits=limits, policy=url_policy(settings))


def schedule_bounds(settings: Settings) -> ScheduleBounds:
    return ScheduleBounds(min_seconds=settings.min_interval_seconds,
                          max_seconds=settings.max_interval_seconds,
                          unhealthy_after_seconds=settings.unhealthy_after_seconds)


def breaking_defaults(settings: Settings) -> BreakingDefaults:
    return BreakingDefaults(settings.breaking_min_sources,
                            timedelta(minutes=settings.breaking_window_minutes),
                            settings.breaking_factor,
                            timedelta(days=settings.breaking_baseline_days), breaking_payload)


# -- the delivery side's wiring -----------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """What the daemon needs of the delivery side."""

    deliverer: Deliverer
    targets: dict[str, TargetConfig]

    @property
    def target_names(self) -> list[str]:
        return list(self.targets)


def targets_of(settings: Settings) -> dict[str, TargetConfig]:
    return parse_targets(settings.tables.get("targets"), webhook_url=settings.webhook_url,
                         webhook_secret=settings.webhook_secret,
                         default_concurrency=settings.delivery_concurrency)


def build_notifiers(targets: Mapping[str, TargetConfig], client: httpx.AsyncClient,
                    policy: URLPolicy | None = None) -> dict[str, Notifier]:
    notifiers: dict[str, Notifier] = {}
    for name, t in targets.items():
        if t.kind == "apprise":
            # apprise is an optional extra: imported only when a target asks for it.
            from monitor.delivery.notifiers.apprise import AppriseNotifier

            notifiers[name] = AppriseNotifier(name, t.url, template=t.template,
                                              title_template=t.title_template,
                                              timeout=t.timeout)
        else:
            notifiers[name] = WebhookNotifier(name, t.url, list(t.secrets), client,
                                              timeout=t.timeout, policy=policy)
    return notifiers


def delivery_client(targets: Mapping[str, TargetConfig],
                    policy: URLPolicy | None = None) -> httpx.AsyncClient:
    """A client of its own: receivers never wait behind feed fetches for a connection. With
    ``policy``, every connection goes to an address it allows."""
    connections = max([16, *(t.concurrency for t in targets.values())]) * 2
    return httpx.AsyncClient(
        transport=LeanTransport(policy=policy), follow_redirects=False,
        headers={"user-agent": "monitor-webhooks/0.1"},
        limits=httpx.Limits(max_connections=connections,
                            max_keepalive_connections=connections))


def check_target_urls(settings: Settings, targets: Mapping[str, TargetConfig]) -> None:
    """A webhook target the URL policy refuses is a configuration error at start, named
    with its setting: sending to it could only fail, for the whole retry horizon."""
    policy = url_policy(settings)
    for name, t in targets.items():
        why = policy.refusal(t.url) if t.kind == "webhook" else None
        if why is not None:
            setting = ("MONITOR_WEBHOOK_URL" if name == DEFAULT_TARGET and settings.webhook_url
                       else f"targets.{name}.url")
            raise ConfigError(setting, why)


async def open_delivery(stack: AsyncExitStack, settings: Settings, store: Store,
                        clock: Clock, *, metrics: Metrics | None = None) -> Delivery:
    targets = targets_of(settings)
    # Off the loop: the check may look the host names up.
    await asyncio.to_thread(check_target_urls, settings, targets)
    client = await stack.enter_async_context(delivery_client(targets, url_policy(settings)))
    policy = RetryPolicy(base_seconds=settings.retry_base_seconds,
                         max_seconds=settings.retry_max_seconds,
                         horizon=timedelta(seconds=settings.retry_horizon_seconds))
    notifiers = build_notifiers(targets, client, url_policy(settings))
    deliverer = Deliverer(store, notifiers, clock,
                          worker=settings.worker_id, policy=policy,
                          concurrency={n: t.concurrency for n, t in targets.items()},
                          noise=parse_noise(settings.tables.get("rules")),
                          lease=timedelta(seconds=settings.delivery_lease_seconds),
                          metrics=metrics)
    return Delivery(deliverer, targets)


def open_websub(stack: AsyncExitStack, app: App, public_url: str) -> Subscriber:
    """The WebSub subscriber: hubs call back under ``public_url`` (MONITOR_PUBLIC_URL)."""
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError("MONITOR_PUBLIC_URL", f"{public_url!r} is not an http(s) URL "
                          "without a query (e.g. https://monitor.example.org)")
    websub = Subscriber(app.store, app.pipeline, app.http, app.clock, public_url=public_url,
                        metrics=app.metrics, delivered=app.deliverer.start_due)
    app.pipeline.on_hub = websub.found
    stack.push_async_callback(websub.close)
    return websub


# -- the whole application ----------------------------------------------------------------

SAMPLE_TITLE = "Sample articles"


def ensure_default_source(store: Store, settings: Settings, clock: Clock) -> None:
    """A new database starts with the seeds folder as its one source, a sample: its alerts
    are printed and stored, and reach targets only in demo mode (``MONITOR_DEMO``)."""
    if store.get_meta("seeded") is None:
        if store.count_sources() == 0 and settings.seeds_dir.is_dir():
            # Named, so lists show what it is rather than a path on the server's disk.
            store.create_source(SourceSpec(str(settings.seeds_dir.resolve()), "folder",
                                           settings.default_interval_seconds, sample=True),
                                clock(), title=SAMPLE_TITLE)
        store.set_meta("seeded", "1")


async def open_app(stack: AsyncExitStack, settings: Settings, *, clock: Clock = utcnow) -> App:
    """Build the application; the rule set is loaded first so a broken one stops the start."""
    # Every store call and the rule set's parsing run off the event loop, start included.
    matcher = await asyncio.to_thread(Matcher.load, settings.rules_dir,
                                      cache_dir(settings.rules_cache))
    store = await asyncio.to_thread(Store.open, settings.database_url)
    stack.callback(store.close)
    await asyncio.to_thread(ensure_default_source, store, settings, clock)
    http = await stack.enter_async_context(fetch_client(
        settings, make_user_agent(settings.user_agent, settings.contact_url)))
    metrics = Metrics()
    delivery = await open_delivery(stack, settings, store, clock, metrics=metrics)
    app_ref: list[App] = []

    def matcher_now() -> Matcher:
        return app_ref[0].matcher

    metrics.rules_loaded(matcher.version, len(matcher.rules))
    metrics.watch_outbox(lambda: outbox_depth(store))
    if settings.story_semantic and not semantic.available():
        # Linking still works on names and figures: a missing extra costs recall, not a start.
        log.warning("story.semantic.unavailable",
                    extra={"install": "pip install 'monitor[semantic]'"})
    pipeline = Pipeline(store, matcher_now, make_fetcher(http, settings), clock,
                        targets=delivery.target_names, route=choose, payload=alert_payload,
                        worker=settings.worker_id,
                        bounds=schedule_bounds(settings),
                        alert_per_story=settings.alert_per_story,
                        story_window=timedelta(days=settings.story_window_days),
                        link_window=timedelta(hours=settings.story_link_hours),
                        vectors=settings.story_semantic,
                        lease=timedelta(seconds=settings.lease_seconds), metrics=metrics,
                        sitemap_pages=settings.sitemap_pages,
                        backlog=timedelta(hours=settings.backlog_hours), demo=settings.demo,
                        max_items=settings.max_items_per_poll,
                        breaking=breaking_defaults(settings))
    app = App(settings, store, matcher, http, pipeline, delivery.deliverer, clock, metrics)
    app.rulesync = RuleSync(store, settings.rules_dir, clock, worker=settings.worker_id)
    await asyncio.to_thread(app.rulesync.publish, matcher)
    app.pruner = Pruner(store, clock, worker=settings.worker_id,
                        retention_days=settings.retention_days)
    app_ref.append(app)
    if settings.public_url:
        app.websub = open_websub(stack, app, settings.public_url)
    # Declared sources are applied before the first poll; a broken file stops the start.
    declared = declared_sources(settings)
    if declared is not None:
        # The declared files are the machine's user's, like the command line.
        await asyncio.to_thread(Subscriptions(store, url_policy(settings), clock,
                                              folders=FolderAccess(trusted=True)).sync,
                                declared)
    app.reloader = Reloader(settings, store, clock, matcher, app.use_matcher, metrics)
    app.reloader.sources_applied()
    log.info("rules.loaded", extra={"version": matcher.version, "rules": len(matcher.rules)})
    for warning in unknown_rule_ids(settings.tables.get("rules"), (r.id for r in matcher.rules)):
        log.warning("config.unknown", extra={"warning": warning})
    return app
