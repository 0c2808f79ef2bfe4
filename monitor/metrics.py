"""Prometheus metrics: one ``Metrics`` object per app, with its own registry, passed to the stages.

The pipeline and the deliverer report what they did (``poll_done``, ``delivery_done``); gauges
that describe the database (outbox depth) are read from it at scrape time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60)


class _DatabaseGauges(Collector):
    """Gauges read from the database when scraped, so every replica reports the shared truth."""

    def __init__(self, depth: Callable[[], Mapping[str, int]]) -> None:
        self.depth = depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("monitor_outbox_depth",
                                   "Deliveries in the outbox, by status", labels=["status"])
        try:
            counts = self.depth()
        except Exception:  # a scrape must not fail because the database is down: /readyz says so
            counts = {}
        for status in ("pending", "dead"):
            family.add_metric([status], float(counts.get(status, 0)))
        yield family


class Metrics:
    """Every metric of one running monitor."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.articles = Counter("monitor_articles_ingested", "New articles stored", registry=r)
        self.polls = Counter("monitor_polls", "Source polls by outcome", ["outcome"], registry=r)
        self.poll_latency = Histogram("monitor_poll_duration_seconds", "Time to poll a source",
                                      buckets=_LATENCY_BUCKETS, registry=r)
        self.source_errors = Counter("monitor_source_errors", "Failed polls by source",
                                     ["source"], registry=r)
        self.matches = Counter("monitor_rule_matches", "New alerts by rule", ["rule"],
                               registry=r)
        self.alerts = Counter("monitor_alerts", "New alerts", registry=r)
        self.deliveries = Counter("monitor_deliveries", "Delivery attempts by outcome",
                                  ["target", "outcome"], registry=r)
        self.delivery_latency = Histogram("monitor_delivery_duration_seconds",
                                          "Time to send one delivery", ["target"],
                                          buckets=_LATENCY_BUCKETS, registry=r)
        self.rules_version = Gauge("monitor_rules_info", "The rule set in force (value 1)",
                                   ["version"], registry=r)
        self.rules_count = Gauge("monitor_rules", "Rules in force", registry=r)
        self.reloads = Counter("monitor_rule_reloads", "Rule reloads by outcome", ["outcome"],
                               registry=r)
        self.websub_pushes = Counter("monitor_websub_pushes", "WebSub pushes taken",
                                     registry=r)
        self.websub_rejected = Counter("monitor_websub_rejected",
                                       "WebSub pushes dropped for a missing or bad signature",
                                       ["reason"], registry=r)
        self.scheduler_ticks = Counter("monitor_scheduler_ticks", "Scheduler ticks by job",
                                       ["job"], registry=r)

    def watch_outbox(self, depth: Callable[[], Mapping[str, int]]) -> None:
        self.registry.register(_DatabaseGauges(depth))

    def poll_done(self, *, status: str, seconds: float, new_articles: int, source_id: int,
                  rules: list[str]) -> None:
        self.polls.labels(status).inc()
        self.poll_latency.observe(seconds)
        self.articles.inc(new_articles)
        if status == "error":
            self.source_errors.labels(str(source_id)).inc()
        for rule in rules:
            self.matches.labels(rule).inc()
        self.alerts.inc(len(rules))

    def delivery_done(self, *, target: str, outcome: str, latency_ms: float | None) -> None:
        self.deliveries.labels(target, outcome).inc()
        if latency_ms is not None:
            self.delivery_latency.labels(target).observe(latency_ms / 1000)

    def rules_loaded(self, version: str, count: int) -> None:
        self.rules_version.clear()
        self.rules_version.labels(version).set(1)
        self.rules_count.set(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
