"""The outbox worker: claim due deliveries, send them, record each attempt, back off on failure."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from monitor.clock import Clock
from monitor.metrics import Metrics
from monitor.notify.base import Notifier, SendResult
from monitor.store import OutboxItem, Store

log = logging.getLogger("monitor.delivery")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, up to a horizon after which a delivery is dead."""

    base_seconds: float = 30.0
    max_seconds: float = 6 * 3600.0
    horizon: timedelta = timedelta(days=3)

    def delay(self, attempts: int, rng: random.Random) -> float:
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


class Deliverer:
    """Sends what the outbox holds through the named notifiers."""

    def __init__(self, store: Store, notifiers: Mapping[str, Notifier], clock: Clock, *,
                 worker: str, policy: RetryPolicy | None = None, batch: int = 100,
                 concurrency: int = 16, rng: random.Random | None = None,
                 metrics: Metrics | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.notifiers = notifiers
        self.clock = clock
        self.worker = worker
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.semaphore = asyncio.Semaphore(concurrency)
        self.rng = rng or random.Random()

    async def deliver_due(self) -> DeliveryReport:
        """One pass over the due deliveries."""
        items = self.store.claim_deliveries(self.clock(), worker=self.worker,
                                            lease=timedelta(minutes=5), limit=self.batch)
        if not items:
            return DeliveryReport()
        results = await asyncio.gather(*(self._one(item) for item in items))
        return DeliveryReport(sum(r == "delivered" for r in results),
                              sum(r == "failed" for r in results),
                              sum(r == "dead" for r in results))

    async def _one(self, item: OutboxItem) -> str:
        outcome, latency = await self._send(item)
        if self.metrics is not None:
            self.metrics.delivery_done(target=item.target, outcome=outcome, latency_ms=latency)
        return outcome

    async def _send(self, item: OutboxItem) -> tuple[str, float | None]:
        notifier = self.notifiers.get(item.target)
        if notifier is None:
            result = SendResult(False, error=f"no target named {item.target!r} is configured")
        else:
            async with self.semaphore:
                result = await notifier.send(item)
        now = self.clock()
        if result.ok:
            self.store.record_attempt(item.delivery_id, now=now, ok=True,
                                      status_code=result.status_code,
                                      latency_ms=result.latency_ms, error=None,
                                      next_attempt_at=None)
            log.info("delivery.sent", extra={"delivery": item.delivery_id,
                                             "target": item.target})
            return "delivered", result.latency_ms
        delay = self.policy.delay(item.attempts + 1, self.rng)
        if result.retry_after is not None:
            delay = max(delay, result.retry_after)
        next_at = now + timedelta(seconds=delay)
        dead = result.permanent or next_at - item.created_at > self.policy.horizon
        self.store.record_attempt(item.delivery_id, now=now, ok=False,
                                  status_code=result.status_code, latency_ms=result.latency_ms,
                                  error=result.error, next_attempt_at=next_at, dead=dead)
        log.warning("delivery.dead" if dead else "delivery.failed",
                    extra={"delivery": item.delivery_id, "target": item.target,
                           "error": result.error})
        return ("dead" if dead else "failed"), result.latency_ms
