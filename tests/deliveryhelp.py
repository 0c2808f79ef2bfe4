"""Shared by the delivery tests: a settable clock, alerts in a real store, a deliverer."""

from __future__ import annotations

import asyncio
import base64
import itertools
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from monitor.app import delivery_client
from monitor.delivery.notifiers.base import Notifier
from monitor.delivery.notifiers.webhook import WebhookNotifier
from monitor.delivery.targets import NoisePolicy
from monitor.delivery.worker import Deliverer, DeliveryReport, RetryPolicy
from monitor.models import Article, Evidence, Match
from monitor.store import PollOutcome, Store
from tests.pollhelp import save_found

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
SECRET2 = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()
_serial = itertools.count()


class FakeClock:
    """A clock tests move by hand (the real parts read time only through it)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def add_alerts(store: Store, n: int, *, targets: Sequence[str] = ("a",),
               rule: str = "negotiations", notify: tuple[str, ...] = (),
               now: datetime = NOW) -> list[int]:
    """``n`` alerts of ``rule`` written as one poll would write them; their alert ids."""
    batch = next(_serial)
    src = store.add_source("feed", f"http://127.0.0.1/feed-{batch}", interval=60, now=now)
    assert src.id is not None
    ev = (Evidence("talks", "body", 0, 5, "talks", "«talks» resumed"),)
    found = [(Article(title=f"Talks {batch}-{i}", body=f"talks resumed {batch} {i}",
                      guid=f"g{batch}-{i}", content_hash=f"h{batch}-{i}",
                      url=f"https://news.example/{batch}/{i}", language="en"),
              [Match(rule, rule.title(), 1.0, ev, notify=notify)]) for i in range(n)]
    alerts = save_found(store, src.id, PollOutcome("ok", now), found, targets=list(targets),
                        now=now)
    return [a.alert_id for a in alerts]


def webhooks(urls: Mapping[str, str], client: httpx.AsyncClient, *,
             secrets: Sequence[str] = (SECRET,), timeout: float = 5.0) -> dict[str, Notifier]:
    return {name: WebhookNotifier(name, url, list(secrets), client, timeout=timeout)
            for name, url in urls.items()}


POLICY = RetryPolicy(base_seconds=60, max_seconds=3600, horizon=timedelta(days=1))


def deliverer(store: Store, notifiers: Mapping[str, Notifier], clock: FakeClock, *,
              concurrency: int = 4, policy: RetryPolicy = POLICY,
              noise: Mapping[str, NoisePolicy] | None = None) -> Deliverer:
    return Deliverer(store, notifiers, clock, worker="test", policy=policy,
                     concurrency=concurrency, noise=noise, rng=random.Random(7))


def deliver_once(store: Store, urls: Mapping[str, str], clock: FakeClock,
                 **kwargs: object) -> DeliveryReport:
    """One full pass of a fresh deliverer (as ``monitor run --once`` makes one)."""
    secrets = kwargs.pop("secrets", (SECRET,))
    timeout = kwargs.pop("timeout", 5.0)

    async def go() -> DeliveryReport:
        async with delivery_client({}) as client:  # the daemon's own client and transport
            d = deliverer(store, webhooks(urls, client, secrets=secrets,  # type: ignore[arg-type]
                                          timeout=timeout), clock, **kwargs)  # type: ignore[arg-type]
            return await d.deliver_due()

    return asyncio.run(go())
