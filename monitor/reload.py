"""Hot reload: rule files and declared sources are checked periodically and applied when valid.

A check hashes the files' contents (a rules directory is a few kilobytes), so an edit is seen
whatever the file system's timestamps do. A valid change is applied at once; an invalid one is
rejected with its reasons logged and kept in ``status`` for ``/readyz``, and the last good
rule set stays in force.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from monitor.clock import Clock
from monitor.config import Settings
from monitor.errors import ConfigError, MonitorError, RuleError, shorten
from monitor.metrics import Metrics
from monitor.reader.urlpolicy import URLPolicy
from monitor.rules import Matcher
from monitor.rules.rulecache import cache_dir
from monitor.store import Store
from monitor.subscriptions import FolderAccess, Subscriptions, declared_sources

log = logging.getLogger("monitor.reload")
_SHOWN = 20  # rule problems kept in the reload status (/readyz, GET /rules)


def fingerprint(*paths: Path | None) -> str:
    """A digest of every file under ``paths`` (names and contents); missing paths count too."""
    digest = hashlib.sha256()
    for root in paths:
        if root is None:
            continue
        digest.update(str(root).encode() + b"\0")
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else (
            [root] if root.is_file() else [])
        for path in files:
            try:
                data = path.read_bytes()
            except OSError:
                data = b"\0unreadable"
            digest.update(str(path).encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


@dataclass
class ReloadStatus:
    """What ``/readyz`` reports about configuration changes."""

    rules_version: str = ""
    rules_loaded_at: datetime | None = None
    rules_rejected: list[str] = field(default_factory=list)
    rules_rejected_at: datetime | None = None
    sources_rejected: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "rules_version": self.rules_version,
            "rules_loaded_at": self.rules_loaded_at.isoformat() if self.rules_loaded_at
            else None,
            "rules_rejected": self.rules_rejected or None,
            "rules_rejected_at": self.rules_rejected_at.isoformat() if self.rules_rejected_at
            else None,
            "sources_rejected": self.sources_rejected,
        }


class Reloader:
    """Watches the rules directory and the sources declarations of one app."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, matcher: Matcher,
                 apply: Callable[[Matcher], None], metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.apply = apply
        self.metrics = metrics
        self.status = ReloadStatus(matcher.version, clock())
        self._rules_seen = fingerprint(settings.rules_dir)
        self._sources_seen: str | None = None

    def check(self) -> None:
        """One look at the files; cheap when nothing changed."""
        self.check_rules()
        self.check_sources()

    def check_rules(self) -> bool:
        """Load the rules if they changed; True when a new rule set was applied."""
        seen = fingerprint(self.settings.rules_dir)
        if seen == self._rules_seen:
            return False
        self._rules_seen = seen
        try:
            matcher = Matcher.load(self.settings.rules_dir,
                                   cache_dir(self.settings.rules_cache))
        except RuleError as exc:
            # The first problems say what to fix; thousands would make /readyz megabytes.
            shown = [str(p) for p in exc.problems[:_SHOWN]]
            if len(exc.problems) > _SHOWN:
                shown.append(f"… and {len(exc.problems) - _SHOWN} more problems "
                             "(monitor rules check lists them all)")
            self.status.rules_rejected = shown
            self.status.rules_rejected_at = self.clock()
            log.error("rules.reload.rejected", extra={
                "problems": self.status.rules_rejected, "version": self.status.rules_version})
            if self.metrics:
                self.metrics.reloads.labels("rejected").inc()
            return False
        except Exception as exc:  # a bug in loading must not stop the daemon
            self.status.rules_rejected = [shorten(f"internal error: {type(exc).__name__}: {exc}")]
            self.status.rules_rejected_at = self.clock()
            log.exception("rules.reload.rejected")
            return False
        self.status.rules_rejected, self.status.rules_rejected_at = [], None
        if matcher.version == self.status.rules_version:
            return False
        self.apply(matcher)
        old, self.status.rules_version = self.status.rules_version, matcher.version
        self.status.rules_loaded_at = self.clock()
        log.info("rules.reload.applied", extra={"version": matcher.version, "previous": old,
                                                "rules": len(matcher.rules)})
        if self.metrics:
            self.metrics.reloads.labels("applied").inc()
            self.metrics.rules_loaded(matcher.version, len(matcher.rules))
        return True

    def sources_applied(self) -> None:
        """The declared sources as they are now were synced by the caller."""
        self._sources_seen = fingerprint(self.settings.config, self.settings.sources_file)

    def check_sources(self) -> bool:
        """Sync the declared sources if their files changed; True when a sync ran."""
        seen = fingerprint(self.settings.config, self.settings.sources_file)
        if seen == self._sources_seen:
            return False
        self._sources_seen = seen
        try:
            declared = declared_sources(self.settings)
            if declared is None:
                return False
            policy = URLPolicy.from_setting(self.settings.allow_private_networks)
            Subscriptions(self.store, policy, self.clock,
                          folders=FolderAccess(trusted=True)).sync(declared)
        except ConfigError as exc:
            self.status.sources_rejected = str(exc)
            log.error("sources.sync.rejected", extra={"error": str(exc)})
            return False
        except MonitorError as exc:  # the database: try again at the next check
            self._sources_seen = None
            log.error("sources.sync.rejected", extra={"error": str(exc)})
            return False
        self.status.sources_rejected = None
        return True
