"""Settings: read once from ``MONITOR_*`` environment variables, validated, passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import ConfigError

_BUNDLED = Path(__file__).parent / "_bundled"


def _default_dir(name: str) -> Path:
    # A checkout (or a container's working directory) has rules/ and seeds/ at the top; an
    # installed wheel carries a copy, so `pip install` alone still gives a working daemon.
    local = Path.cwd() / name
    if local.is_dir():
        return local
    bundled = _BUNDLED / name
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parent.parent / name


@dataclass(frozen=True)
class Settings:
    """Every setting of the daemon, with its default."""

    database_url: str = "sqlite:///monitor.db"
    rules_dir: Path = field(default_factory=lambda: _default_dir("rules"))
    seeds_dir: Path = field(default_factory=lambda: _default_dir("seeds"))
    webhook_url: str | None = None
    webhook_secret: str | None = None
    poll_tick_seconds: float = 15.0
    deliver_tick_seconds: float = 5.0
    default_interval_seconds: int = 900
    http_timeout_seconds: float = 20.0
    max_body_bytes: int = 10 * 1024 * 1024
    shutdown_grace_seconds: float = 20.0
    user_agent: str = "monitor/0.1 (self-hosted news monitor)"
    worker_id: str = field(default_factory=lambda: f"{os.uname().nodename}:{os.getpid()}")
    lease_seconds: float = 600.0
    retention_days: int = 90


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"expected a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {raw!r}")
    return value


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (for container secrets)."""
    value = env.get(name) or None
    path = env.get(f"{name}_FILE")
    if value is None and path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE", f"cannot read {path}: {exc.strerror}") from None
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    base = Settings()
    webhook_url = env.get("MONITOR_WEBHOOK_URL") or None
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise ConfigError("MONITOR_WEBHOOK_URL", f"expected an http(s) URL, got {webhook_url!r}")
    secret = _secret(env, "MONITOR_WEBHOOK_SECRET")
    if secret is not None:
        from monitor.notify.webhook import decode_secret

        decode_secret(secret, setting="MONITOR_WEBHOOK_SECRET")
    rules_dir = Path(env["MONITOR_RULES_DIR"]) if env.get("MONITOR_RULES_DIR") else base.rules_dir
    seeds_dir = Path(env["MONITOR_SEEDS_DIR"]) if env.get("MONITOR_SEEDS_DIR") else base.seeds_dir
    database_url = env.get("MONITOR_DATABASE_URL") or base.database_url
    password = _secret(env, "MONITOR_DATABASE_PASSWORD")
    if password:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(database_url).set(password=password)
        except ArgumentError as exc:
            raise ConfigError("MONITOR_DATABASE_URL", str(exc)) from None
        database_url = url.render_as_string(hide_password=False)
    return Settings(
        database_url=database_url,
        rules_dir=rules_dir,
        seeds_dir=seeds_dir,
        webhook_url=webhook_url,
        webhook_secret=secret,
        poll_tick_seconds=_float(env, "MONITOR_POLL_TICK_SECONDS", base.poll_tick_seconds, 0.1),
        deliver_tick_seconds=_float(
            env, "MONITOR_DELIVER_TICK_SECONDS", base.deliver_tick_seconds, 0.1),
        default_interval_seconds=int(_float(
            env, "MONITOR_DEFAULT_INTERVAL", base.default_interval_seconds, 1)),
        http_timeout_seconds=_float(env, "MONITOR_HTTP_TIMEOUT", base.http_timeout_seconds, 0.1),
        max_body_bytes=int(_float(env, "MONITOR_MAX_BODY_BYTES", base.max_body_bytes, 1024)),
        shutdown_grace_seconds=_float(
            env, "MONITOR_SHUTDOWN_GRACE", base.shutdown_grace_seconds, 0),
        user_agent=env.get("MONITOR_USER_AGENT") or base.user_agent,
        worker_id=env.get("MONITOR_WORKER_ID") or base.worker_id,
        lease_seconds=_float(env, "MONITOR_LEASE_SECONDS", base.lease_seconds, 1),
        retention_days=int(_float(env, "MONITOR_RETENTION_DAYS", base.retention_days, 0)),
    )
