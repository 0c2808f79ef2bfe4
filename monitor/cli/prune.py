"""``monitor prune``: one prune now, on this database, under the same lease as the daemon."""

from __future__ import annotations

import sys

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.pruner import Pruner
from monitor.store import Store


def cmd_prune(settings: Settings, days: int | None) -> int:
    """``monitor prune``: one prune now, on this database, under the same lease as the daemon."""
    retention = settings.retention_days if days is None else days
    if retention < 0:
        raise ConfigError("--days", f"must be 0 or more, got {retention}")
    store = Store.open(settings.database_url)
    try:
        pruner = Pruner(store, utcnow, worker=settings.worker_id, retention_days=retention)
        if retention == 0:
            print("retention is 0 (keep forever): nothing pruned")
            return 0
        report = pruner.run_now()
        if report is None:
            print("another worker is pruning right now; try again later", file=sys.stderr)
            return 1
        c = report.counts
        print(f"pruned before {report.cutoff:%Y-%m-%d %H:%M}: {c.articles} articles, "
              f"{c.alerts} alerts, {c.deliveries} deliveries, {c.attempts} attempts")
        return 0
    finally:
        store.close()
