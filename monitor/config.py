"""Configuration: ``monitor.toml`` and ``MONITOR_*`` (env wins) read into ``Settings``, validated.

The table of settings itself is monitor.settings (re-exported here, where the rest of monitor
imports it from). Each value is converted to its field's type and checked; checks that involve
more than one setting, or parse a value further, run once everything is read, so a bad
configuration fails at start with the setting named.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.settings import Settings, env_name, known_settings, secret_values

__all__ = ["LOOPBACK_HOSTS", "Settings", "check_api_binding", "config_path", "known_settings",
           "load_settings", "read_config_file", "secret_values", "unknown_rule_ids",
           "unknown_rule_options", "unknown_variables"]

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
MIN_TOKEN_LENGTH = 16  # a guessable or blank token on a public address is no protection
# Past this, seconds and counts stop meaning anything and start overflowing timers and SQL
# integers; a setting may declare a lower ``maximum``.
CEILING = 1e9
# Environment variables that are not settings but are read (secret files, the test suite).
_OTHER_VARS = {"MONITOR_CONFIG", "MONITOR_DATABASE_PASSWORD", "MONITOR_DATABASE_PASSWORD_FILE",
               "MONITOR_TEST_POSTGRES_URL"}
_NOISE_KEYS = ("throttle", "digest")  # what a [rules.RULE_ID] table may hold

log = logging.getLogger("monitor.config")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _convert(name: str, kind: Any, raw: Any, minimum: float | None,
             maximum: float | None = None) -> Any:
    """``raw`` (a string from the environment, or a TOML value) as the setting's type."""
    if isinstance(kind, types.UnionType):  # ``X | None``: empty means None
        if raw is None or raw == "":
            return None
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise ConfigError(name, f"expected true or false, got {raw!r}")
    if kind in (int, float):
        if isinstance(raw, bool):
            raise ConfigError(name, f"expected a number, got {raw!r}")
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ConfigError(name, f"expected a number, got {raw!r}") from None
        if not math.isfinite(value):  # nan compares false with every bound; inf overflows
            raise ConfigError(name, f"expected a finite number, got {raw!r}")
        if minimum is not None and value < minimum:
            raise ConfigError(name, f"must be at least {minimum:g}, got {raw!r}")
        top = CEILING if maximum is None else maximum
        if value > top:
            raise ConfigError(name, f"must be at most {top:,.0f}, got {raw!r}")
        if kind is int:
            if value != int(value):
                raise ConfigError(name, f"expected a whole number, got {raw!r}")
            return int(value)
        return value
    if kind == tuple[Path, ...]:
        return _paths(name, raw)
    if kind is Path:
        if not isinstance(raw, str) or not raw:
            raise ConfigError(name, f"expected a path, got {raw!r}")
        return Path(raw)
    if not isinstance(raw, str):
        raise ConfigError(name, f"expected text, got {raw!r}")
    return raw


def _paths(name: str, raw: Any) -> tuple[Path, ...]:
    """Directories from a TOML list or a ``:``-separated variable, resolved now: a check
    against them compares resolved paths."""
    items = raw.split(os.pathsep) if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(x, str) for x in items):
        raise ConfigError(name, f"expected a list of directories, got {raw!r}")
    paths = tuple(Path(x.strip()).expanduser().resolve() for x in items if x.strip())
    for path in paths:
        if not path.is_dir():
            raise ConfigError(name, f"not a directory: {path}")
    return paths


def _suggest(word: str, known: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def unknown_variables(env: Mapping[str, str]) -> list[str]:
    """A warning for each ``MONITOR_*`` variable that is not a setting: a typo is ignored."""
    known = set(known_settings()) | _OTHER_VARS
    known |= {f"{n}_FILE" for n, f in known_settings().items() if f.metadata.get("secret")}
    return [f"{name}: unknown variable, ignored{_suggest(name, known)}"
            for name in sorted(env) if name.startswith("MONITOR_") and name not in known]


def unknown_rule_options(tables: Any, where: str = "rules") -> list[str]:
    """A warning for each key of a ``[rules.RULE_ID]`` table that means nothing."""
    out: list[str] = []
    if not isinstance(tables, Mapping):
        return out
    for rule_id, table in tables.items():
        if isinstance(table, Mapping):
            out += [f"{where}.{rule_id}.{key}: unknown option, ignored"
                    f"{_suggest(str(key), _NOISE_KEYS)} (known: {', '.join(_NOISE_KEYS)})"
                    for key in table if key not in _NOISE_KEYS]
    return out


def unknown_rule_ids(tables: Any, rule_ids: typing.Iterable[str]) -> list[str]:
    """A warning for each ``[rules.RULE_ID]`` table that names no loaded rule."""
    ids = set(rule_ids)
    if not isinstance(tables, Mapping):
        return []
    return [f"rules.{rule_id}: no rule has this id, its options apply to nothing"
            f"{_suggest(str(rule_id), ids)}" for rule_id in tables if rule_id not in ids]


# Config-file tables that hold structures (named targets, per-rule options, declared sources)
# rather than settings; they are passed through whole.
STRUCTURED = ("sources", "targets", "rules")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key not in STRUCTURED:
            out.update(_flatten(value, f"{prefix}{key}_"))
        else:
            out[f"{prefix}{key}"] = value
    return out


def config_path(env: Mapping[str, str]) -> Path | None:
    """The configuration file: ``MONITOR_CONFIG``, else ``./monitor.toml`` if it exists."""
    if env.get("MONITOR_CONFIG"):
        path = Path(env["MONITOR_CONFIG"])
        if not path.is_file():
            raise ConfigError("MONITOR_CONFIG", f"no such file: {path}")
        return path
    local = Path.cwd() / "monitor.toml"
    return local if local.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    """The TOML file's settings, flattened (``[api] port`` → ``api_port``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("MONITOR_CONFIG", f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("MONITOR_CONFIG", f"{path}: invalid TOML: {exc}") from None
    return _flatten(data)


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (for container secrets)."""
    value = env.get(name) or None
    path = env.get(f"{name}_FILE")
    if value is None and path:
        value = _secret_file(name, path)
    return value


def _secret_file(name: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{name}_FILE", f"cannot read {path}: {exc.strerror}") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the config file and ``env`` (default: the process environment).

    Raises ConfigError naming the first bad setting.
    """
    env = os.environ if env is None else env
    path = config_path(env)
    file_values = read_config_file(path) if path else {}
    hints = typing.get_type_hints(Settings)
    by_key = {f.name: f for f in fields(Settings)}
    for key in file_values:
        if key not in by_key and key not in STRUCTURED:
            raise ConfigError(f"{path}: {key}", "unknown setting"
                              + (_suggest(key, by_key) or " (known: "
                                 + ", ".join(sorted(by_key)) + ")"))
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.metadata.get("internal"):
            continue
        name = env_name(f)
        raw: Any = None
        where = name
        if f.name in file_values:
            raw, where = file_values[f.name], f"{path}: {f.name}"
        if f.metadata.get("secret") and env.get(f"{name}_FILE"):
            raw, where = _secret_file(name, env[f"{name}_FILE"]), f"{name}_FILE"
        if env.get(name):
            raw, where = env[name], name
        if raw is None or (raw == "" and f.name not in file_values):
            continue
        values[f.name] = _convert(where, hints[f.name], raw, f.metadata.get("minimum"),
                                  f.metadata.get("maximum"))
    if path is not None:
        values["config"] = path
    values["tables"] = {k: file_values[k] for k in ("targets", "rules") if k in file_values}
    warnings = unknown_variables(env) + unknown_rule_options(
        values["tables"].get("rules"), f"{path}: rules" if path else "rules")
    for warning in warnings:
        log.warning("config.unknown", extra={"warning": warning})
    settings = Settings(**values, warnings=tuple(warnings))
    return _validate(settings, env)


def _validate(settings: Settings, env: Mapping[str, str]) -> Settings:
    """Checks that involve more than one setting, or parse a value further."""
    url = settings.webhook_url
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError("MONITOR_WEBHOOK_URL", f"expected an http(s) URL, got {url!r}")
    if settings.webhook_secret is not None:
        from monitor.delivery.notifiers.webhook import decode_secret

        decode_secret(settings.webhook_secret, setting="MONITOR_WEBHOOK_SECRET")
    password = _secret(env, "MONITOR_DATABASE_PASSWORD")
    if password:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            db = make_url(settings.database_url).set(password=password)
        except ArgumentError as exc:
            raise ConfigError("MONITOR_DATABASE_URL", str(exc)) from None
        settings = replace(settings, database_url=db.render_as_string(hide_password=False))
    from monitor.delivery.targets import parse_noise, parse_targets

    # Parsed here only to fail at start on a bad table; the daemon parses them again.
    parse_targets(settings.tables.get("targets"), webhook_url=settings.webhook_url,
                  webhook_secret=settings.webhook_secret,
                  default_concurrency=settings.delivery_concurrency)
    parse_noise(settings.tables.get("rules"))
    contact = settings.contact_url
    if contact and not contact.startswith(("http://", "https://", "mailto:")):
        raise ConfigError("MONITOR_CONTACT_URL", f"expected an http(s) or mailto: URL, "
                          f"got {contact!r}")
    from monitor.reader.urlpolicy import parse_allowed

    parse_allowed(settings.allow_private_networks)  # a bad network fails at start, named
    if settings.max_interval_seconds < settings.min_interval_seconds:
        raise ConfigError("MONITOR_MAX_INTERVAL", "must not be below MONITOR_MIN_INTERVAL "
                          f"({settings.min_interval_seconds})")
    if settings.api_token is not None:
        token = settings.api_token.strip()
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError("MONITOR_API_TOKEN", f"must be at least {MIN_TOKEN_LENGTH} "
                              f"characters (not counting white space), got {len(token)}")
        settings = replace(settings, api_token=token)
    if settings.api_port > 65535:
        raise ConfigError("MONITOR_API_PORT", f"must be at most 65535, got {settings.api_port}")
    if settings.log_format not in ("auto", "json", "text"):
        raise ConfigError("MONITOR_LOG_FORMAT",
                          f"expected auto, json or text, got {settings.log_format!r}")
    if settings.log_level.lower() not in ("debug", "info", "warning", "error"):
        raise ConfigError("MONITOR_LOG_LEVEL",
                          f"expected debug, info, warning or error, got {settings.log_level!r}")
    return settings


def check_api_binding(settings: Settings) -> None:
    """Without a token the API may only listen on loopback: anyone could drive it otherwise."""
    if settings.api_enabled and not settings.api_token \
            and settings.api_host not in LOOPBACK_HOSTS:
        raise ConfigError("MONITOR_API_HOST", f"refusing to serve the API on "
                          f"{settings.api_host!r} without a token: set MONITOR_API_TOKEN (or "
                          "MONITOR_API_TOKEN_FILE), or listen on 127.0.0.1")
