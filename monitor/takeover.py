"""Crash take-over at start: the leases a killed run of this worker left behind are released,
so that a restarted daemon takes its work up at once instead of waiting for them to expire."""

from __future__ import annotations

import logging
import os

from monitor.settings import boot_id
from monitor.store import Store
from monitor.store.leases import lease_owners, release_leases

log = logging.getLogger("monitor.daemon")


def _dead_here(owner: str) -> bool:
    """Whether ``owner`` is a default worker id (host:pid:boot) of a process of this machine
    and boot that no longer runs: a killed daemon this one replaces."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid, boot = parts
    if not pid.isdigit() or boot != boot_id() or host != os.uname().nodename:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, under another user
        return False
    return False


def reclaim_leases(store: Store, worker: str) -> tuple[int, int]:
    """At start: release the leases a killed run of this worker left behind (held under this
    worker's id, or under the default id of a process of this machine that no longer runs),
    so that a restart takes its work up at once instead of waiting for them to expire."""
    sources = deliveries = 0
    for owner in sorted(lease_owners(store)):
        if owner == worker or _dead_here(owner):
            n, m = release_leases(store, owner)
            sources, deliveries = sources + n, deliveries + m
    if sources or deliveries:
        log.info("daemon.leases.reclaimed", extra={"sources": sources,
                                                   "deliveries": deliveries})
    return sources, deliveries
