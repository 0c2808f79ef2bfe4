"""Rule-set versions across workers: announce a loaded set, follow newer ones.

The database holds the active version under the meta key ``rules.version`` as JSON
``{"generation", "version", "worker", "at"}``. Whoever loads a new rule set (a worker starting,
or the rules file watcher) announces it with the next generation; every worker compares the
generation at each poll tick and, when it is newer than the one it follows, reloads the rules
from its own rules directory. The rule files themselves are not in the database: every worker
reads the same files (one image, or one shared volume); a worker whose files give another
version than the announced one keeps its rules and logs ``rules.version.mismatch``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitor.clock import Clock
from monitor.errors import RuleError, StoreError
from monitor.rules.matcher import Matcher
from monitor.store import Store

log = logging.getLogger("monitor.rules.versions")

KEY = "rules.version"


@dataclass(frozen=True)
class ActiveRules:
    """The rule set the database says is active."""

    generation: int
    version: str
    worker: str = ""
    at: str = ""

    @classmethod
    def parse(cls, raw: str | None) -> ActiveRules | None:
        try:
            data = json.loads(raw or "")
            return cls(int(data["generation"]), str(data["version"]), str(data.get("worker", "")),
                       str(data.get("at", "")))
        except (ValueError, KeyError, TypeError):
            return None

    def dump(self) -> str:
        return json.dumps({"generation": self.generation, "version": self.version,
                           "worker": self.worker, "at": self.at})


class RuleSync:
    """One worker's view of the active rule set."""

    def __init__(self, store: Store, rules_dir: Path, clock: Clock, *, worker: str,
                 load: Callable[[Path], Matcher] = Matcher.load) -> None:
        self.store = store
        self.rules_dir = rules_dir
        self.clock = clock
        self.worker = worker
        self.load = load
        self.following = 0  # the generation this worker runs (or has given up on)
        self._warned = 0

    def active(self) -> ActiveRules | None:
        return ActiveRules.parse(self.store.get_meta(KEY))

    def publish(self, matcher: Matcher) -> ActiveRules:
        """Announce ``matcher``'s rule set as active (a no-op when it already is)."""

        def change(old: str | None) -> str | None:
            current = ActiveRules.parse(old)
            if current is not None and current.version == matcher.version:
                return None
            generation = (current.generation if current else 0) + 1
            return ActiveRules(generation, matcher.version, self.worker,
                               self.clock().isoformat()).dump()

        active = ActiveRules.parse(self.store.update_meta(KEY, change))
        assert active is not None
        if active.worker == self.worker and active.version == matcher.version:
            log.info("rules.published", extra={"generation": active.generation,
                                               "version": active.version})
        self.following = active.generation
        return active

    def check(self, current: Matcher) -> Matcher | None:
        """The matcher to use from now on when a newer rule set is active, else None."""
        try:
            active = self.active()
        except StoreError as exc:  # the database is away: keep the rules, ask again next tick
            log.warning("rules.check.failed", extra={"error": str(exc)})
            return None
        if active is None or active.generation <= self.following:
            return None
        if active.version == current.version:
            self.following = active.generation
            return None
        try:
            fresh = self.load(self.rules_dir)
        except RuleError as exc:
            # A broken rule set on this worker: keep matching with the rules it has.
            self.following = active.generation
            log.error("rules.reload.failed", extra={"generation": active.generation,
                                                    "problems": len(exc.problems)})
            return None
        if fresh.version != active.version:
            if self._warned != active.generation:
                self._warned = active.generation
                log.warning("rules.version.mismatch", extra={
                    "generation": active.generation, "active": active.version,
                    "local": fresh.version, "dir": str(self.rules_dir)})
            return None  # asked again at the next tick: the files may still be on their way
        self.following = active.generation
        log.info("rules.reloaded", extra={"generation": active.generation,
                                          "version": fresh.version})
        return fresh
