"""Logging setup: structured events (JSON lines, or key=value at a terminal), secrets redacted.

Code logs an event name from a fixed vocabulary with structured fields::

    log.warning("source.poll.failed", extra={"source": 3, "error": "HTTP 503"})

and the formatters here render those fields. The vocabulary (``EVENTS``) is what operators
build alerts and dashboards on, so names are stable; new ones are added here.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

EVENTS = {
    "daemon.started": "the daemon is running (worker, api address)",
    "daemon.stopping": "a signal arrived; no new work is taken",
    "daemon.stopped": "in-flight work finished or was released; the process exits",
    "daemon.shutdown.timeout": "the grace period ended with work in flight (released)",
    "daemon.shutdown.forced": "a second signal: exit at once",
    "daemon.leases.reclaimed": "at start, leases left under this worker's id by a killed run "
                               "were released (sources, deliveries)",
    "lease.renew.failed": "renewing the leases of work in hand failed; the next beat retries",
    "daemon.tick.failed": "a scheduler tick's work raised; the next tick tries again",
    "api.listening": "the HTTP API accepts connections (url)",
    "api.store.failed": "an API request found the database unreachable (answered 503)",
    "api.evaluator.failed": "a rule-evaluation worker process could not start (error)",
    "article.language.mismatch": "an item's declared language and a confident detection "
                                 "disagree: it is matched in the detected one",
    "story.semantic.unavailable": "MONITOR_STORY_SEMANTIC is on but the encoder of the "
                                  "[semantic] extra is not installed: linking uses names and "
                                  "figures only",
    "rules.cache.unsafe": "the rule cache directory is not private to this user: not used",
    "rules.cache.unreadable": "the rule cache could not be read; the rules are parsed anew",
    "language.model_cache_unusable": "the decompressed language model could not be kept or "
                                     "read; the package's own is loaded",
    "rules.cache.bad_entry": "a rule cache entry failed its checks; that file is parsed anew",
    "rules.cache.write_failed": "the rule cache could not be written; the rules load all the same",
    "source.poll.ok": "a poll stored its new articles",
    "story.merged": "an article of a poll retold stories stored apart: each absorbed story "
                    "now belongs to the story kept (its id redirects there)",
    "source.poll.problem": "part of a poll was unreadable",
    "source.poll.failed": "a poll failed; the source backs off",
    "source.poll.rate_limited": "a source answered 429/503; the next poll waits as it asked",
    "source.disabled": "a source answered 410 Gone (or moved for good) and was disabled",
    "source.poll.crashed": "a bug cost one poll",
    "websub.requested": "a (un)subscription request was sent to a feed's hub",
    "websub.request.failed": "a hub refused or missed a (un)subscription request",
    "websub.verified": "a hub verified a pending (un)subscription (its challenge echoed)",
    "websub.denied": "a hub denied a subscription (reason)",
    "websub.push.rejected": "a pushed body had a missing or bad signature: dropped",
    "websub.push.taken": "a pushed body went through the poll's pipeline",
    "websub.push.failed": "a pushed body could not be read or stored",
    "sources.synced": "the sources file was applied to the database",
    "sources.sync.rejected": "the sources file is invalid; the database was left unchanged",
    "delivery.sent": "an alert reached its target",
    "delivery.failed": "an attempt failed; it will be retried",
    "delivery.dead": "a delivery gave up (permanent error or past the retry horizon)",
    "delivery.lane.failed": "a target's delivery task failed; its claims retry after the lease",
    "delivery.target.disabled": "a target answered 410 Gone and is disabled (alerts enable it)",
    "rules.loaded": "the rule set in force (version, rules)",
    "rules.match.budget": "an article was matched on part of it: body clipped, or the "
                          "evaluation budget ran out (docs/rules.md, Limits)",
    "source.claim.failed": "claiming due sources failed (database away); retried next tick",
    "rules.published": "this worker announced its rule-set version in the database",
    "rules.reloaded": "a rule set another worker announced was loaded here",
    "rules.reload.failed": "loading the announced rule set failed; the current one stays",
    "rules.check.failed": "reading the announced rule-set version failed; retried next tick",
    "rules.version.mismatch": "this worker's rule files differ from the announced version",
    "retention.pruned": "the daily prune deleted old articles, alerts and deliveries",
    "rules.reload.applied": "changed rule files were loaded without a restart",
    "rules.reload.rejected": "changed rule files are invalid; the last good set stays in force",
    "config.unknown": "an unknown MONITOR_* variable or [rules.X] key or rule id (a typo?)",
    "health.database.failed": "a readiness check found the database unreachable (detail)",
    "progress": "a step of a long command when stderr is not a terminal (done, total, item)",
}

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime",
                                                                         "taskName"}
REDACTED = "[redacted]"


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


class JSONFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in fields_of(record).items():
            out.setdefault(key, _plain(value))
        if record.exc_info:
            out["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    """For people at a terminal: ``12:00:01 WARNING source.poll.failed source=3 error="..."``."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        parts = [f"{ts} {record.levelname:<7} {record.getMessage()}"]
        for key, value in fields_of(record).items():
            text = json.dumps(_plain(value), ensure_ascii=False) if not isinstance(
                value, int | float) else str(value)
            if isinstance(value, str) and value and " " not in value and '"' not in value:
                text = value
            parts.append(f"{key}={text}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + (record.exc_text or self.formatException(record.exc_info))
        return line


# A URL's user-info and query string: where webhook and chat URLs carry their keys.
_URL_SECRETS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/\s@?#'\"]*@)?"
                          r"(?P<rest>[^\s?#'\"]*)(?P<query>\?[^\s#'\"]*)?", re.IGNORECASE)
# HTTP clients log every request's full URL at debug level; our own events name URLs on purpose.
_URL_LOGGERS = ("httpx", "httpcore", "hpack", "apprise")


def redact_urls(text: str) -> str:
    """``text`` with every URL's user-info and query string replaced by ``[redacted]``."""
    def one(m: re.Match[str]) -> str:
        user = f"{REDACTED}@" if m["user"] else ""
        query = f"?{REDACTED}" if m["query"] else ""
        return f"{m['scheme']}{user}{m['rest']}{query}"
    return _URL_SECRETS.sub(one, text)


class RedactingFilter(logging.Filter):
    """Replaces every known secret value in a record (message, args and fields) before output,
    and the keys URLs carry in the HTTP clients' own records."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def _clean(self, value: Any, urls: bool = False) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, REDACTED)
            return redact_urls(value) if urls else value
        if isinstance(value, list | tuple):
            return type(value)(self._clean(v) for v in value)
        if isinstance(value, dict):
            return {k: self._clean(v) for k, v in value.items()}
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in _URL_LOGGERS:
            record.msg = self._clean(record.getMessage(), urls=True)
            record.args = None
        if not self.secrets:
            return True
        record.msg = self._clean(record.getMessage())
        record.args = None
        for key, value in fields_of(record).items():
            setattr(record, key, self._clean(value))
        if record.exc_info:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
        return True


def setup_logging(*, level: str = "info", fmt: str = "auto", secrets: Iterable[str] = (),
                  stream: TextIO | None = None) -> logging.Handler:
    """Route every log record to ``stream`` (stderr) in the chosen format; returns the handler."""
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "text" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter() if fmt == "json" else KeyValueFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_monitor", False):
            root.removeHandler(old)
    handler._monitor = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Third-party chatter stays out unless debugging; our events are the vocabulary above.
    for noisy in ("httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access",
                  "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    return handler
