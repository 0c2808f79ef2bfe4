"""Lease heartbeats: a live worker keeps renewing the leases of the work it has in hand.

Leases are short (a minute by default) so that a dead worker's work is taken over soon; a live
worker whose poll or delivery batch runs longer than that keeps it by renewing, every third of
the lease, the leases of the ids it still holds. The renewal is a store call: it runs in a
thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager

log = logging.getLogger("monitor.heartbeat")


class Heartbeat:
    """Renews ``renew(ids)`` every ``every`` seconds while any id is held."""

    def __init__(self, renew: Callable[[frozenset[int]], object], every: float) -> None:
        self.renew = renew
        self.every = every
        self.held: Counter[int] = Counter()
        self.task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()  # set when nothing is held: the beat ends at once

    @asynccontextmanager
    async def holding(self, ids: Collection[int]) -> AsyncIterator[None]:
        """Keep the leases of ``ids`` alive for as long as the block runs."""
        self.held.update(ids)
        if self.task is None or self.task.done():
            self.idle = asyncio.Event()  # of this event loop (tests run several in turn)
            self.task = asyncio.create_task(self._beat(), name="lease-heartbeat")
        self.idle.clear()
        try:
            yield
        finally:
            self.held.subtract(ids)
            self.held = +self.held  # drop the ids no longer held
            if not self.held and self.task is not None:
                # The last holder waits for the beat to end: no renewal is left running in a
                # thread when the work (and, at shutdown, the store) is done.
                self.idle.set()
                await asyncio.shield(self.task)

    async def _beat(self) -> None:
        while self.held:
            try:
                await asyncio.wait_for(self.idle.wait(), self.every)
                continue  # emptied (and perhaps held again since): look again
            except TimeoutError:
                pass
            try:
                await asyncio.to_thread(self.renew, frozenset(self.held))
            except Exception as exc:  # the database is away: the next beat tries again
                log.warning("lease.renew.failed", extra={"error": f"{type(exc).__name__}: "
                                                                  f"{exc}"})
