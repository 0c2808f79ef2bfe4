"""Declared sources: reading the sources file (and ``[[sources]]`` in monitor.toml).

Each entry names a ``url`` (a feed URL or a folder path) and optionally ``kind``, ``interval``
(seconds), ``labels`` and ``enabled``. A sync adds what is new, updates what changed, and
disables a source that was declared before and no longer is (its articles and alerts stay).
Sources added by hand (CLI, API) are never touched by a sync; ``Subscriptions.sync`` applies
what is read here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.config import Settings
from monitor.errors import ConfigError, SourceError
from monitor.rules.located import safe_load, yaml_location
from monitor.subscriptions.placement import check_kind, other_scheme

_KEYS = {"url", "kind", "interval", "labels", "enabled"}


@dataclass(frozen=True)
class DeclaredSource:
    """One entry of a sources file; ``kind`` None: detected (folder, or read at first poll)."""

    url: str
    kind: str | None
    interval: int
    labels: tuple[str, ...] = ()
    enabled: bool = True
    where: str = field(default="", compare=False)  # file and entry, for error messages


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
    kind = item.get("kind") or None
    try:
        check_kind(kind)
    except SourceError as exc:
        raise ConfigError(where, str(exc)) from None
    url = url.strip()
    scheme = other_scheme(url)
    if scheme is not None and not (base / url).exists():
        # Read as a path, ``ftp://host/x`` would become a folder that never exists.
        raise ConfigError(where, f"url {url!r}: {scheme}: URLs are not supported (expected "
                          "an http(s) URL or a folder path)")
    if not url.startswith(("http://", "https://")):
        url = str((base / url).resolve())  # a folder, relative to the file that names it
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
    return DeclaredSource(url, kind, interval, tuple(labels), enabled, where)


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
            data = safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError("MONITOR_SOURCES_FILE", f"cannot read {path}: "
                              f"{exc.strerror}") from None
        except yaml.YAMLError as exc:
            line, column, reason = yaml_location(exc)
            raise ConfigError("MONITOR_SOURCES_FILE",
                              f"{path}:{line}:{column}: invalid YAML: {reason}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError("MONITOR_SOURCES_FILE", f"{path}: not UTF-8: {exc.reason}") from None
        declared = True
        found += parse_declared(data, str(path), path.parent, settings.default_interval_seconds)
    return found if declared else None
