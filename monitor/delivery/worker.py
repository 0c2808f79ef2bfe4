"""The outbox worker: claim due deliveries, send, record, back off on failure.

Every target drains in its own task with its own concurrency limit and circuit breaker, so a
dead or slow receiver holds up nobody but itself. Per target the order is the outbox's FIFO
order: a delivery is sent only when every older delivery of that target has been delivered,
is dead, or is in flight beside it (at most ``concurrency`` are in flight; with concurrency 1
the order is strict). After a failure the rest of the batch goes back to the queue unsent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.clock import Clock
from monitor.delivery.noise import NoiseGate
from monitor.delivery.notifiers import Notifier, SendResult
from monitor.delivery.targets import NoisePolicy
from monitor.heartbeat import Heartbeat
from monitor.metrics import Metrics
from monitor.store import Attempt, OutboxItem, Store

log = logging.getLogger("monitor.delivery.worker")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, up to a horizon after which a delivery is dead."""

    base_seconds: float = 30.0
    max_seconds: float = 6 * 3600.0
    horizon: timedelta = timedelta(days=3)

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds to wait after the ``attempts``-th failure: half fixed, half random."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** min(60, max(0, attempts - 1)))
        return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


@dataclass
class CircuitBreaker:
    """Per target: after ``threshold`` failures in a row, send one probe at a time.

    The pause between probes is the backoff of the head of the target's queue, which the
    outbox already enforces; the breaker stops a recovered-but-shaky receiver from getting a
    whole batch at once, and a hanging one from tying up ``concurrency`` connections.
    """

    threshold: int = 5
    failures: int = 0

    @property
    def open(self) -> bool:
        return self.failures >= self.threshold

    def record(self, ok: bool) -> None:
        if ok:
            self.failures = 0
        else:
            self.failures += 1


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.failed += other.failed
        self.dead += other.dead


@dataclass
class _Lane:
    """One target's lane: its notifier, concurrency limit, breaker and running drain."""

    notifier: Notifier
    concurrency: int
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)
    task: asyncio.Task[DeliveryReport] | None = None


class Deliverer:
    """Sends what the outbox holds through the named notifiers."""

    def __init__(self, store: Store, notifiers: Mapping[str, Notifier], clock: Clock, *,
                 worker: str, policy: RetryPolicy | None = None,
                 concurrency: Mapping[str, int] | int = 8,
                 noise: Mapping[str, NoisePolicy] | None = None,
                 lease: timedelta = timedelta(minutes=5), batch: int | None = None,
                 rng: random.Random | None = None, metrics: Metrics | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.worker = worker
        self.policy = policy or RetryPolicy()
        self.gate = NoiseGate(noise or {})
        self.lease = lease
        # A batch may take longer than its lease (slow receivers, timeouts): the deliveries in
        # hand are renewed every third of it, so only a dead worker's leases run out.
        self.heartbeat = Heartbeat(self._renew, lease.total_seconds() / 3)
        self.batch = batch
        self.rng = rng or random.Random()
        self.stopping = False
        self.lanes = {
            name: _Lane(n, max(1, concurrency if isinstance(concurrency, int)
                               else concurrency.get(name, 8)))
            for name, n in notifiers.items()}

    # -- running -----------------------------------------------------------------------------
    async def deliver_due(self) -> DeliveryReport:
        """Drain every target's due deliveries; return when all are idle."""
        self.start_due()
        return await self.wait_idle()

    def start_due(self) -> None:
        """Start a drain for every target that has none running (never waits)."""
        if self.stopping:
            return
        for name, lane in self.lanes.items():
            if lane.task is None or lane.task.done():
                lane.task = asyncio.create_task(self._guarded(name, lane),
                                                name=f"deliver:{name}")

    def stop(self) -> None:
        """Let the running batches finish, and start no new ones."""
        self.stopping = True

    def cancel(self) -> None:
        """Cancel the running drains (the grace period is over); their leases are released
        by the caller or expire."""
        for lane in self.lanes.values():
            if lane.task is not None and not lane.task.done():
                lane.task.cancel()

    async def wait_idle(self) -> DeliveryReport:
        """Wait for the running drains; their reports summed."""
        total = DeliveryReport()
        for lane in self.lanes.values():
            if lane.task is not None:
                total.add(await lane.task)
        return total

    async def _guarded(self, name: str, lane: _Lane) -> DeliveryReport:
        """A lane never takes the daemon down: what it had claimed is retried when the lease
        runs out (a database hiccup, a bug in a channel plugin)."""
        try:
            return await self._drain(name, lane)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("delivery.lane.failed", exc_info=True,
                      extra={"target": name, "error": f"{type(exc).__name__}: {exc}"})
            return DeliveryReport()

    async def _drain(self, name: str, lane: _Lane) -> DeliveryReport:
        # Every store call runs in a thread: a slow database must not stall the other lanes,
        # the polls or the API, which all share the event loop.
        report = DeliveryReport()
        disabled = await asyncio.to_thread(self.store.disabled_targets)
        if name in disabled:
            report.dead += await asyncio.to_thread(
                self.store.bury_target, name, self.clock(), f"target disabled: {disabled[name]}")
            return report
        while not self.stopping:
            limit = 1 if lane.breaker.open else self._batch(lane)
            items = await asyncio.to_thread(
                self.store.claim_target, name, self.clock(), worker=self.worker,
                lease=self.lease, limit=limit, gate=self.gate)
            if not items:
                return report
            step, gone = await self._send_batch(name, lane, items)
            report.add(step)
            if gone:
                reason = f"{gone} (410 Gone)"
                await asyncio.to_thread(self.store.disable_target, name, reason)
                report.dead += await asyncio.to_thread(
                    self.store.bury_target, name, self.clock(), "target disabled: " + reason)
                log.error("delivery.target.disabled", extra={"target": name, "reason": reason})
                return report
            if step.failed:
                return report  # the head is backing off: the queue waits for it
        return report

    def _renew(self, ids: frozenset[int]) -> None:
        self.store.renew_delivery_leases(sorted(ids), worker=self.worker,
                                         until=self.clock() + self.lease)

    def _batch(self, lane: _Lane) -> int:
        """How many to claim at once: enough to keep ``concurrency`` busy, few enough that
        the batch ends well within its lease even if every request runs into its timeout."""
        if self.batch:
            return self.batch
        timeout = float(getattr(lane.notifier, "timeout", 10.0))
        waves = max(1, min(8, int(self.lease.total_seconds() / (2 * timeout))))
        return min(500, lane.concurrency * waves)

    async def _send_batch(self, name: str, lane: _Lane,
                          items: list[OutboxItem]) -> tuple[DeliveryReport, str | None]:
        semaphore = asyncio.Semaphore(lane.concurrency)
        stop = asyncio.Event()
        results: dict[int, SendResult] = {}

        async def one(item: OutboxItem) -> None:
            async with semaphore:
                if stop.is_set():
                    return  # an older one failed: this one must not overtake it
                result = await lane.notifier.send(item)
                results[item.delivery_id] = result
                if not result.ok and (not result.permanent or result.disable_target):
                    stop.set()

        async with self.heartbeat.holding([i.delivery_id for i in items]):
            await asyncio.gather(*(one(item) for item in items))
        now = self.clock()
        report = DeliveryReport()
        attempts: list[Attempt] = []
        gone: str | None = None
        for item in items:
            result = results.get(item.delivery_id)
            if result is None:
                continue
            # A receiver that answers, even with a refusal for good, is up: only failures
            # worth retrying count towards the breaker.
            lane.breaker.record(result.ok or (result.permanent and not result.disable_target))
            attempt = self._attempt(item, result, now)
            attempts.append(attempt)
            if result.disable_target:
                gone = result.error or "gone"
            if self.metrics is not None:
                self.metrics.delivery_done(target=name, outcome=attempt.outcome,
                                           latency_ms=result.latency_ms)
            if attempt.outcome == "delivered":
                report.delivered += 1
            elif attempt.outcome == "dead":
                report.dead += 1
            else:
                report.failed += 1
            log.log(logging.INFO if result.ok else logging.WARNING,
                    f"delivery.{'sent' if result.ok else attempt.outcome}",
                    extra={"delivery": item.delivery_id, "target": name,
                           "webhook_id": item.webhook_id, "status": result.status_code,
                           "error": result.error, "next_attempt_at": attempt.next_attempt_at})
        await asyncio.to_thread(self.store.record_attempts, attempts, now=now,
                                worker=self.worker)
        unsent = [i.delivery_id for i in items if i.delivery_id not in results]
        if unsent:
            await asyncio.to_thread(self.store.release_deliveries, unsent)
        return report, gone

    def _attempt(self, item: OutboxItem, result: SendResult, now: datetime) -> Attempt:
        if result.ok:
            return Attempt(item.delivery_id, "delivered", result.status_code, result.latency_ms)
        delay = self.policy.delay(item.attempts + 1, self.rng)
        if result.retry_after is not None:
            delay = max(delay, result.retry_after)
        next_at = now + timedelta(seconds=delay)
        start = item.horizon_start or item.created_at
        dead = result.permanent or next_at - start > self.policy.horizon
        return Attempt(item.delivery_id, "dead" if dead else "failed", result.status_code,
                       result.latency_ms, result.error, None if dead else next_at)
