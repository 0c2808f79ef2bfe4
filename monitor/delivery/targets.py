"""Delivery configuration: named targets and per-rule noise control.

Both come from plain dicts (the ``[targets.NAME]`` and ``[rules.RULE_ID]`` tables of
``monitor.toml``) so that the config file loader only has to pass them through::

    [targets.ops]
    url = "https://ops.example.org/hooks/monitor"
    secrets = ["whsec_new...", "whsec_old..."]   # rotation: every active secret signs
    concurrency = 8
    timeout = 10

    [targets.chat]
    kind = "apprise"
    url = "slack://T000/B000/XXXX"
    template = "[$rule_name] $title ($source) $url"

    [rules.sanctions]
    throttle = "10/1h"     # at most 10 alerts an hour, the rest folded into one digest
    [rules.embassies]
    digest = "1h"          # one message an hour with every match
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError

DEFAULT_TARGET = "default"
KINDS = ("webhook", "apprise")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNITS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_TARGET_KEYS = {"url", "secret", "secrets", "secret_file", "concurrency", "timeout", "kind",
                "template", "title_template", "ordered", "enabled"}


@dataclass(frozen=True)
class TargetConfig:
    """One place alerts go. ``concurrency`` 1 (or ``ordered``) gives strict per-target order."""

    name: str
    url: str
    kind: str = "webhook"
    secrets: tuple[str, ...] = ()
    concurrency: int = 8
    timeout: float = 10.0
    template: str | None = None
    title_template: str | None = None


@dataclass(frozen=True)
class Throttle:
    limit: int
    window_seconds: float


@dataclass(frozen=True)
class NoisePolicy:
    """A rule's noise control: a throttle, a digest period, or both (the digest wins)."""

    throttle: Throttle | None = None
    digest_seconds: float | None = None

    @property
    def window_seconds(self) -> float:
        if self.digest_seconds is not None:
            return self.digest_seconds
        assert self.throttle is not None
        return self.throttle.window_seconds


def parse_duration(value: object, setting: str) -> float:
    """Seconds from ``90``, ``"90s"``, ``"15m"``, ``"1h"`` or ``"2d"``."""
    if isinstance(value, bool):
        raise ConfigError(setting, f"expected a duration such as '15m' or '1h', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ConfigError(setting, f"expected a duration such as '15m' or '1h', "
                                       f"got {value!r}")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds <= 0:
        raise ConfigError(setting, f"must be positive, got {value!r}")
    return seconds


def _secrets(name: str, table: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    single = table.get("secret")
    if single is not None:
        if not isinstance(single, str):
            raise ConfigError(f"targets.{name}.secret", "expected a string")
        found.append(single)
    many = table.get("secrets")
    if many is not None:
        if not isinstance(many, list) or not all(isinstance(s, str) for s in many):
            raise ConfigError(f"targets.{name}.secrets", "expected a list of strings")
        found.extend(many)
    path = table.get("secret_file")
    if path is not None:
        try:
            text = Path(str(path)).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"targets.{name}.secret_file",
                              f"cannot read {path}: {exc.strerror}") from None
        # One secret per line, so that rotation works with files too.
        found.extend(line.strip() for line in text.splitlines() if line.strip())
    return tuple(found)


def _positive(name: str, key: str, value: object, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"targets.{name}.{key}", f"expected a positive number, got {value!r}")
    return float(value)


def parse_target(name: str, table: Mapping[str, Any], *, default_concurrency: int = 8,
                 default_timeout: float = 10.0) -> TargetConfig:
    """One ``[targets.NAME]`` table; every mistake names the key it is about."""
    if not _NAME.match(name):
        raise ConfigError(f"targets.{name}", "a target name is letters, digits, '_', '.', '-'")
    if not isinstance(table, Mapping):
        raise ConfigError(f"targets.{name}", "expected a table")
    unknown = sorted(set(table) - _TARGET_KEYS)
    if unknown:
        raise ConfigError(f"targets.{name}", f"unknown keys {', '.join(unknown)} "
                                             f"(known: {', '.join(sorted(_TARGET_KEYS))})")
    kind = table.get("kind", "webhook")
    if kind not in KINDS:
        raise ConfigError(f"targets.{name}.kind", f"expected one of {KINDS}, got {kind!r}")
    url = table.get("url")
    if not isinstance(url, str) or not url:
        raise ConfigError(f"targets.{name}.url", "missing (the address alerts are sent to)")
    if kind == "webhook" and not url.startswith(("http://", "https://")):
        raise ConfigError(f"targets.{name}.url", f"expected an http(s) URL, got {url!r}")
    secrets = _secrets(name, table)
    if kind == "webhook":
        from monitor.delivery.notifiers.webhook import decode_secret

        for s in secrets:
            decode_secret(s, setting=f"targets.{name}.secrets")
    concurrency = int(_positive(name, "concurrency", table.get("concurrency"),
                                default_concurrency))
    if table.get("ordered") is True:
        concurrency = 1
    for key in ("template", "title_template"):
        if table.get(key) is not None and not isinstance(table[key], str):
            raise ConfigError(f"targets.{name}.{key}", "expected a string")
    return TargetConfig(name=name, url=url, kind=kind, secrets=secrets,
                        concurrency=max(1, concurrency),
                        timeout=_positive(name, "timeout", table.get("timeout"),
                                          default_timeout),
                        template=table.get("template"), title_template=table.get("title_template"))


def parse_targets(tables: Mapping[str, Any] | None, *, webhook_url: str | None = None,
                  webhook_secret: str | None = None, default_concurrency: int = 8,
                  default_timeout: float = 10.0) -> dict[str, TargetConfig]:
    """Every target: the ``[targets]`` tables plus ``MONITOR_WEBHOOK_URL`` as "default"."""
    targets: dict[str, TargetConfig] = {}
    if tables is not None and not isinstance(tables, Mapping):
        raise ConfigError("targets", "expected a table of tables ([targets.NAME])")
    for name, table in (tables or {}).items():
        if isinstance(table, Mapping) and table.get("enabled") is False:
            continue
        targets[name] = parse_target(name, table, default_concurrency=default_concurrency,
                                     default_timeout=default_timeout)
    if webhook_url:
        if DEFAULT_TARGET in targets:
            raise ConfigError("MONITOR_WEBHOOK_URL", "a [targets.default] table exists too; "
                                                     "use one or the other")
        targets[DEFAULT_TARGET] = TargetConfig(
            DEFAULT_TARGET, webhook_url, secrets=(webhook_secret,) if webhook_secret else (),
            concurrency=default_concurrency, timeout=default_timeout)
    return targets


def parse_noise(tables: Mapping[str, Any] | None) -> dict[str, NoisePolicy]:
    """Per-rule ``throttle = "N/window"`` and ``digest = "period"`` from ``[rules.RULE_ID]``."""
    policies: dict[str, NoisePolicy] = {}
    if tables is not None and not isinstance(tables, Mapping):
        raise ConfigError("rules", "expected a table of tables ([rules.RULE_ID])")
    for rule_id, table in (tables or {}).items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"rules.{rule_id}", "expected a table")
        throttle = digest = None
        raw = table.get("throttle")
        if raw is not None:
            m = re.match(r"^\s*(\d+)\s*/\s*(.+)$", str(raw))
            if not m or int(m.group(1)) < 1:
                raise ConfigError(f"rules.{rule_id}.throttle",
                                  f"expected 'N/window' such as '10/1h', got {raw!r}")
            window = parse_duration(m.group(2), f"rules.{rule_id}.throttle")
            throttle = Throttle(int(m.group(1)), window)
        if table.get("digest") is not None:
            digest = parse_duration(table["digest"], f"rules.{rule_id}.digest")
        if throttle or digest:
            policies[str(rule_id)] = NoisePolicy(throttle, digest)
    return policies


def choose(targets: Sequence[str], notify: Sequence[str]) -> list[str]:
    """The targets a rule's ``notify:`` field picks (empty: all of them)."""
    return [t for t in targets if not notify or t in notify]
