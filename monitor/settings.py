"""Settings: one table of every setting, with its default, its doc and how it is checked.

Each setting is one field of ``Settings`` declared with ``setting(default, doc)``: its
environment name is ``MONITOR_`` + the field name in upper case (or ``env=...``), its type is
the field's annotation, and its key in ``monitor.toml`` is the field name (``[api] port = 80``
is the same as ``api_port = 80``). Adding a setting is adding one such line; the README's
configuration table must name it (a test checks). Reading and validating them is
monitor.config's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

_BUNDLED = Path(__file__).parent / "_bundled"


def boot_id() -> str:
    """This machine's boot, short (Linux): with the host name and process id it names a process
    uniquely, so that a restarted daemon can tell its killed predecessor's leases from those
    of a live worker on another machine with the same host name."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "0"


def default_worker_id() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{boot_id()}"


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


def setting(default: Any, doc: str, *, env: str | None = None, minimum: float | None = None,
            maximum: float | None = None, secret: bool = False, shown: str | None = None,
            factory: Any = None) -> Any:
    """Declare one setting: its default, what it means, and how it is checked."""
    meta = {"doc": doc, "env": env, "minimum": minimum, "maximum": maximum, "secret": secret,
            "shown": shown}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Every setting of the daemon, with its default."""

    database_url: str = setting("sqlite:///monitor.db", "SQLAlchemy URL of the database "
                                "(`postgresql+psycopg://...` for PostgreSQL)")
    rules_dir: Path = setting(None, "directory of rule files", factory=lambda: _default_dir(
        "rules"), shown="`./rules`, else the rules shipped in the package")
    rules_cache: str = setting("auto", "directory where parsed rule files are cached (only "
                               "changed files are parsed again); `off` disables it",
                               shown="`auto`: `$XDG_CACHE_HOME/monitor/rules`, else "
                               "`~/.cache/monitor/rules`")
    seeds_dir: Path = setting(None, "the first source of a new database", factory=lambda:
                              _default_dir("seeds"),
                              shown="`./seeds`, else the seeds shipped in the package")
    webhook_url: str | None = setting(None, "where alerts are POSTed")
    webhook_secret: str | None = setting(None, "`whsec_...` signing secret", secret=True)
    poll_tick_seconds: float = setting(15.0, "how often the daemon asks the database which "
                                       "sources are due", minimum=0.1)
    deliver_tick_seconds: float = setting(5.0, "how often pending deliveries are sent",
                                          minimum=0.1)
    default_interval_seconds: int = setting(900, "poll interval of a new source, seconds",
                                            env="MONITOR_DEFAULT_INTERVAL", minimum=1)
    http_timeout_seconds: float = setting(20.0, "HTTP timeout, seconds",
                                          env="MONITOR_HTTP_TIMEOUT", minimum=0.1)
    max_body_bytes: int = setting(10 * 1024 * 1024, "largest document fetched", minimum=1024)
    shutdown_grace_seconds: float = setting(20.0, "seconds to finish in-flight work on SIGTERM",
                                            env="MONITOR_SHUTDOWN_GRACE", minimum=0)
    user_agent: str = setting("monitor/0.1 (self-hosted news monitor)",
                              "User-Agent sent to sources")
    worker_id: str = setting(None, "this worker's name in leases (unique per replica)",
                             factory=default_worker_id,
                             shown="host name, process id and boot id")
    api_enabled: bool = setting(True, "serve the HTTP API from `monitor run` (`--no-api`)")
    api_host: str = setting("127.0.0.1", "address the API listens on; anything but loopback "
                            "needs `MONITOR_API_TOKEN`")
    api_port: int = setting(8080, "API port; `0` picks a free port and prints it", minimum=0)
    api_token: str | None = setting(None, "bearer token every `/api` request must carry",
                                    secret=True)
    api_allowed_hosts: str = setting("", "names the API answers to in the `Host` header, "
                                     "comma-separated, besides loopback names and the bound "
                                     "address (`*`: any); a wildcard bind answers to any "
                                     "unless this is set", shown="– (loopback and the bound "
                                     "address)")
    public_url: str | None = setting(None, "the address hubs reach this daemon's API at "
                                     "(`https://monitor.example.org`): feeds that advertise a "
                                     "WebSub hub are then pushed, not only polled",
                                     shown="– (no WebSub)")
    api_allowed_origins: str = setting("", "web origins (`https://console.example.org`) allowed "
                                       "to send state-changing requests besides the API's "
                                       "own", shown="– (none)")
    api_max_body_bytes: int = setting(1024 * 1024, "largest API request body (413 beyond)",
                                      minimum=1024)
    api_request_timeout_seconds: float = setting(10.0, "seconds a client has to send a "
                                                 "request's head, and again its body; slower "
                                                 "connections are closed", minimum=0.1)
    rule_test_timeout_seconds: float = setting(10.0, "seconds one `rules/test` or "
                                               "`rules/validate` evaluation may run",
                                               env="MONITOR_RULE_TEST_TIMEOUT", minimum=0.1)
    rule_test_memory_mb: int = setting(256, "memory (MiB) one rule evaluation may take beyond "
                                       "its worker's start", minimum=16)
    rule_test_concurrency: int = setting(2, "rule evaluations run at once (each in its own "
                                         "process); more are answered 503", minimum=1)
    health_max_lag_seconds: float = setting(2.0, "`/healthz` fails when the event loop was "
                                            "late by more than this in the last minute, or a "
                                            "worker thread does not answer within it",
                                            minimum=0.1)
    reload_seconds: float = setting(5.0, "how often rule files and the sources file are checked "
                                    "for changes (hot reload)", minimum=0.1)
    sources_file: Path | None = setting(None, "YAML file of declared sources, synced into the "
                                        "database on start and on change")
    log_format: str = setting("auto", "`json`, `text`, or `auto` (JSON lines unless stderr is "
                              "a terminal)")
    log_level: str = setting("info", "`debug`, `info`, `warning` or `error`")
    config: Path | None = setting(None, "the configuration file",
                                  shown="`./monitor.toml` if present")
    retry_base_seconds: float = setting(30.0, "first retry delay of a failed delivery; it "
                                        "doubles per attempt, with jitter", minimum=0.001)
    retry_max_seconds: float = setting(6 * 3600.0, "longest delay between two delivery "
                                       "attempts", minimum=0.001)
    retry_horizon_seconds: float = setting(3 * 86400.0, "how long a delivery is retried before "
                                           "it is dead", minimum=1)
    delivery_lease_seconds: float = setting(60.0, "how long claimed deliveries stay a worker's "
                                            "without renewal (a live worker renews every third "
                                            "of it); a dead worker's are taken over after it",
                                            minimum=1)
    delivery_concurrency: int = setting(8, "requests in flight per target (`concurrency` in a "
                                        "`[targets.NAME]` table overrides it)", minimum=1)
    contact_url: str | None = setting(None, "added to the User-Agent (`+URL`) so site owners "
                                      "can reach you; http(s) or mailto")
    allow_private_networks: str = setting("", "networks sources and webhooks may resolve to "
                                          "besides public ones: `127.0.0.1/32,10.0.0.0/8`, or "
                                          "`*` for all", shown="– (none)")
    fetch_deadline_seconds: float = setting(60.0, "total seconds one fetch may take, redirects "
                                            "and body included", env="MONITOR_FETCH_DEADLINE",
                                            minimum=0.1)
    max_redirects: int = setting(5, "redirects followed per fetch", minimum=0)
    fetch_concurrency: int = setting(32, "fetches in flight at once", minimum=1)
    per_host_concurrency: int = setting(4, "fetches in flight to one host", minimum=1)
    max_items_per_poll: int = setting(500, "items of one feed, sitemap or folder poll that are "
                                      "extracted, matched and stored: the newest ones (a "
                                      "100,000-item feed is read 500 at a time, the older ones "
                                      "never); the source's last error says so", minimum=1)
    sitemap_pages: int = setting(30, "pages of new news-sitemap entries read per poll for "
                                 "their text, newest first (the others keep the sitemap's "
                                 "title and keywords); 0: none", minimum=0)
    min_interval_seconds: int = setting(300, "lower bound of the adaptive poll interval, "
                                        "seconds", env="MONITOR_MIN_INTERVAL", minimum=1)
    max_interval_seconds: int = setting(86400, "upper bound of the adaptive poll interval (and "
                                        "of server-requested waits)",
                                        env="MONITOR_MAX_INTERVAL", minimum=1)
    unhealthy_after_seconds: int = setting(86400, "seconds of continuous failure after which a "
                                           "source is unhealthy and retried every 6 h",
                                           env="MONITOR_UNHEALTHY_AFTER", minimum=1)
    alert_per_story: bool = setting(True, "a rule alerts once per story; later copies are "
                                    "listed as \"also reported by\"")
    story_window_days: int = setting(7, "how far back near-duplicate copies are looked for",
                                     minimum=1, maximum=36500)
    breaking_min_sources: int = setting(4, "a story is breaking for a rule with `breaking:` "
                                        "when at least this many distinct sources report it "
                                        "within the window…", minimum=2)
    breaking_window_minutes: int = setting(60, "…of this many minutes…", minimum=1)
    breaking_factor: float = setting(3.0, "…and at least this many times the rule's usual: the "
                                     "median of distinct sources per story of the rule…",
                                     minimum=1)
    breaking_baseline_days: int = setting(14, "…over its stories alerted within this many days "
                                          "(a rule's `breaking:` mapping overrides each)",
                                          minimum=1, maximum=36500)
    story_link_hours: float = setting(48.0, "how far back an article looks for the story it "
                                      "retells in another language (the same names, across "
                                      "scripts, and figures); `0`: "
                                      "near-duplicates only", minimum=0, maximum=8760)
    story_semantic: bool = setting(False, "with `pip install 'monitor[semantic]'`: articles' "
                                   "titles and leads are embedded by a multilingual encoder, "
                                   "and a candidate story with fewer shared names links when "
                                   "they say the same (about 0.1 s per article, embedded in "
                                   "a poll's batch)")
    lease_seconds: float = setting(60.0, "how long a claimed source stays a worker's without "
                                   "renewal (a live worker renews every third of it); a dead "
                                   "worker's sources are taken over after it", minimum=1)
    backlog_hours: float = setting(24.0, "a new source's items published more than this long "
                                   "before it was added are its backlog: stored and "
                                   "backtestable, never alerted; `-1`: no backlog, every new "
                                   "item alerts", minimum=-1)
    demo: bool = setting(False, "the sample source (`seeds/`, added to a new database) delivers "
                         "to targets too (`monitor run --demo`); otherwise its alerts are only "
                         "printed and stored")
    retention_days: int = setting(90, "articles (with their delivered alerts) older than this "
                                  "are pruned daily; `0` keeps everything", minimum=0,
                                  maximum=36500)
    folder_roots: tuple[Path, ...] = setting((), "directories under which folder sources "
                                             "added through the API must lie, separated by "
                                             "`:` (a list in monitor.toml); none: the API "
                                             "refuses folder sources", shown="– (none)")
    # The structured tables of the config file ([targets.NAME], [rules.RULE_ID]); not settings.
    tables: Mapping[str, Any] = field(default_factory=dict, metadata={"internal": True})
    # What looked wrong but did not stop the start (an unknown variable or key), for the log.
    warnings: tuple[str, ...] = field(default=(), metadata={"internal": True})


def env_name(f: Any) -> str:
    return str(f.metadata.get("env") or f"MONITOR_{f.name.upper()}")


def known_settings() -> dict[str, Any]:
    """Every setting by its environment name, with its dataclass field (for docs and tests)."""
    return {env_name(f): f for f in fields(Settings) if not f.metadata.get("internal")}


def secret_values(settings: Settings) -> list[str]:
    """The values of every secret setting, for log redaction."""
    values = [getattr(settings, f.name) for f in fields(Settings) if f.metadata.get("secret")]
    out = [str(v) for v in values if v]
    # A password in a URL comes before an "@": without one, SQLAlchemy need not be loaded.
    if "@" in settings.database_url:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            password = make_url(settings.database_url).password
        except ArgumentError:
            password = None
        if password:
            out.append(str(password))
    return out
