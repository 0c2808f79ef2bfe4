"""Delivery wiring (owner: delivery): settings → targets → notifiers → the outbox worker."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import httpx

from monitor.clock import Clock
from monitor.config import Settings
from monitor.delivery import Deliverer, RetryPolicy
from monitor.ingest import url_policy
from monitor.metrics import Metrics
from monitor.netpolicy import URLPolicy
from monitor.notify.base import Notifier
from monitor.notify.transport import LeanTransport
from monitor.notify.webhook import WebhookNotifier
from monitor.store import Store
from monitor.targets import TargetConfig, parse_noise, parse_targets


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
            from monitor.notify.chat import AppriseNotifier

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


async def open_delivery(stack: AsyncExitStack, settings: Settings, store: Store,
                        clock: Clock, *, metrics: Metrics | None = None) -> Delivery:
    targets = targets_of(settings)
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
