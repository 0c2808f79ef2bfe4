"""Retention: the daily prune of old articles and alerts, one worker at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.clock import Clock
from monitor.store import Store
from monitor.store.retention import PruneCounts

log = logging.getLogger("monitor.pruner")

JOB = "prune"
LAST_RUN_KEY = "prune.last_run"


@dataclass(frozen=True)
class PruneReport:
    """One prune: what it deleted, and the cutoff it used."""

    cutoff: datetime
    counts: PruneCounts
    batches: int


class Pruner:
    """Deletes what is older than the retention, at most once per ``every`` across all workers.

    Every worker runs :meth:`run_if_due` from its scheduler; a lease row in the database makes
    one of them do the work, and the time of the last prune (also in the database) makes it
    daily for the whole deployment rather than daily per worker.
    """

    def __init__(self, store: Store, clock: Clock, *, worker: str, retention_days: int,
                 every: timedelta = timedelta(days=1), batch: int = 500,
                 lease: timedelta = timedelta(minutes=10)) -> None:
        self.store = store
        self.clock = clock
        self.worker = worker
        self.retention_days = retention_days
        self.every = every
        self.batch = batch
        self.lease = lease

    def run_if_due(self) -> PruneReport | None:
        """Prune if the retention is on, the last prune is old enough and no one else prunes."""
        return self._run(force=False)

    def run_now(self) -> PruneReport | None:
        """Prune now whatever the time of the last prune (``monitor prune``); None if the
        retention is off or another worker is pruning at this moment."""
        return self._run(force=True)

    def _run(self, *, force: bool) -> PruneReport | None:
        if self.retention_days <= 0:
            return None  # 0 = keep forever
        now = self.clock()
        if not self.store.try_job_lease(JOB, worker=self.worker, now=now, ttl=self.lease):
            return None
        try:
            last = self.store.get_meta(LAST_RUN_KEY)
            if not force and last and now - datetime.fromisoformat(last) < self.every:
                return None
            report = self.prune(now)
            self.store.set_meta(LAST_RUN_KEY, now.isoformat())
            return report
        finally:
            self.store.release_job_lease(JOB, worker=self.worker)

    def prune(self, now: datetime) -> PruneReport:
        """Delete, batch by batch, everything fetched before ``now - retention``."""
        cutoff = now - timedelta(days=self.retention_days)
        total, batches = PruneCounts(), 0
        while True:
            counts = self.store.prune_batch(cutoff, batch=self.batch)
            total, batches = total + counts, batches + 1
            if counts.articles < self.batch:
                break
            # Long prunes keep their lease, so that no second worker starts one meanwhile.
            self.store.try_job_lease(JOB, worker=self.worker, now=self.clock(), ttl=self.lease)
        log.info("retention.pruned", extra={"cutoff": cutoff.isoformat(), "batches": batches,
                                            "articles": total.articles, "alerts": total.alerts,
                                            "deliveries": total.deliveries})
        return PruneReport(cutoff, total, batches)
