"""Declared sources: the sources file (and ``[[sources]]`` in monitor.toml) synced to the DB.

Each entry names a ``url`` (a feed URL or a folder path) and optionally ``kind``, ``interval``
(seconds), ``labels`` and ``enabled``. A sync adds what is new, updates what changed, and
disables a source that was declared before and no longer is (its articles and alerts stay).
Sources added by hand (CLI, API) are never touched by a sync.
"""

from __future__ import annotations

import json
import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select

from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.reader.parsers import KINDS
from monitor.store import Store
from monitor.store.tables import SourceRow

log = logging.getLogger("monitor.reader.parsers")

META_KEY = "declared_sources"
_KEYS = {"url", "kind", "interval", "labels", "enabled"}


@dataclass(frozen=True)
class DeclaredSource:
    url: str
    kind: str
    interval: int
    labels: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class SyncReport:
    added: int = 0
    updated: int = 0
    disabled: int = 0


def _entry(item: Any, where: str, base: Path, default_interval: int) -> DeclaredSource:
    if not isinstance(item, dict):
        raise ConfigError(where, "each source must be a mapping with at least a url")
    unknown = set(item) - _KEYS
    if unknown:
        raise ConfigError(where, f"unknown field(s) {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(_KEYS))})")
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(where, "missing url")
    kind = item.get("kind") or ("feed" if url.startswith(("http://", "https://")) else "folder")
    if kind not in KINDS:
        raise ConfigError(where, f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    if kind == "folder":
        url = str((base / url).resolve())
    interval = item.get("interval", default_interval)
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise ConfigError(where, f"interval must be a positive whole number of seconds, "
                          f"got {interval!r}")
    labels = item.get("labels") or []
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
        raise ConfigError(where, "labels must be a list of words")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(where, f"enabled must be true or false, got {enabled!r}")
    return DeclaredSource(url, kind, interval, tuple(labels), enabled)


def parse_declared(items: Any, where: str, base: Path, default_interval: int
                   ) -> list[DeclaredSource]:
    if items is None:
        return []
    if isinstance(items, dict) and "sources" in items:
        items = items["sources"]
    elif isinstance(items, dict) and items and all(isinstance(v, dict) for v in items.values()):
        items = list(items.values())  # ``[sources.name]`` tables: the names are for people
    if not isinstance(items, list):
        raise ConfigError(where, "expected a list of sources")
    out = [_entry(item, f"{where}: source {n}", base, default_interval)
           for n, item in enumerate(items, 1)]
    seen: set[str] = set()
    for s in out:
        if s.url in seen:
            raise ConfigError(where, f"source {s.url!r} is declared twice")
        seen.add(s.url)
    return out


def declared_sources(settings: Settings) -> list[DeclaredSource] | None:
    """The declared sources, or None when nothing declares any (then a sync changes nothing)."""
    found: list[DeclaredSource] = []
    declared = False
    if settings.config is not None and settings.config.is_file():
        try:
            data = tomllib.loads(settings.config.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError("MONITOR_CONFIG", f"{settings.config}: {exc}") from None
        if "sources" in data:
            declared = True
            found += parse_declared(data["sources"], f"{settings.config} [sources]",
                                    settings.config.parent, settings.default_interval_seconds)
    if settings.sources_file is not None:
        path = settings.sources_file
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError("MONITOR_SOURCES_FILE", f"cannot read {path}: "
                              f"{exc.strerror}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError("MONITOR_SOURCES_FILE", f"{path}: invalid YAML: {exc}") from None
        declared = True
        found += parse_declared(data, str(path), path.parent, settings.default_interval_seconds)
    return found if declared else None


def sync_sources(store: Store, declared: Sequence[DeclaredSource], now: datetime) -> SyncReport:
    """Make the database hold the declared sources (one transaction)."""
    added = updated = disabled = 0
    before = set(json.loads(store.get_meta(META_KEY) or "[]"))
    wanted = {d.url: d for d in declared}
    with store.session() as s:
        rows = {r.url: r for r in s.exec(select(SourceRow)).all()}
        for url, d in wanted.items():
            row = rows.get(url)
            labels = ",".join(d.labels)
            if row is None:
                s.add(SourceRow(kind=d.kind, url=url, interval_seconds=d.interval,
                                labels=labels, enabled=d.enabled, created_at=now,
                                next_check_at=now))
                added += 1
            elif (row.kind, row.interval_seconds, row.labels, row.enabled) != (
                    d.kind, d.interval, labels, d.enabled):
                row.kind, row.interval_seconds, row.labels = d.kind, d.interval, labels
                if d.enabled and not row.enabled:
                    row.next_check_at = now
                row.enabled = d.enabled
                updated += 1
        for url in before - set(wanted):
            row = rows.get(url)
            if row is not None and row.enabled:
                row.enabled = False
                disabled += 1
    store.set_meta(META_KEY, json.dumps(sorted(wanted)))
    report = SyncReport(added, updated, disabled)
    log.info("sources.synced", extra={"added": added, "updated": updated,
                                      "disabled": disabled})
    return report
