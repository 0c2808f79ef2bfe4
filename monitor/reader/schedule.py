"""When to poll a source next: the feed's own signals, its posting rhythm, backoff on failure.

Pure functions of what a poll learned and a clock reading, so every rule here is tested
without sleeping. The policy, in order:

* a good poll waits the source's interval, or, when the feed shows its posting rhythm (three or
  more dated items), half the median gap between posts, clamped to ``[min, max]``;
* the server's own freshness signals (RSS ``<ttl>``, ``Cache-Control: max-age``, ``Expires``)
  are a floor: we do not come back before the server says the content may change;
* a failure backs off exponentially with jitter (capped); ``Retry-After`` on 429/503 is a floor;
* a source failing for longer than ``unhealthy_after`` is marked unhealthy and retried rarely
  (every ``unhealthy_retry``), never dropped.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_STORE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ScheduleBounds:
    """The operator's bounds on polling, from settings."""

    min_seconds: float = 300.0
    max_seconds: float = 86400.0
    max_backoff_seconds: float = 6 * 3600.0
    unhealthy_after_seconds: float = 86400.0
    unhealthy_retry_seconds: float = 6 * 3600.0
    max_retry_after_seconds: float = 86400.0


def _clamp(value: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, value))


def server_freshness(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds the server says the document stays fresh (max-age, else Expires - Date)."""
    control = headers.get("cache-control", "")
    if control and _NO_STORE.search(control):
        return None
    m = _MAX_AGE.search(control) if control else None
    if m:
        return float(m.group(1))
    expires = headers.get("expires")
    if not expires:
        return None
    try:
        when = parsedate_to_datetime(expires)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    base = now
    date = headers.get("date")
    if date:
        try:
            parsed = parsedate_to_datetime(date)
            base = parsed if parsed.tzinfo else now
        except (TypeError, ValueError, IndexError):
            pass
    seconds = (when - base).total_seconds()
    return seconds if seconds > 0 else None


def posting_gap(published: Sequence[datetime | None]) -> float | None:
    """Median seconds between consecutive posts of the newest dated items (None if < 3)."""
    dates = sorted({d for d in published if d is not None}, reverse=True)[:20]
    if len(dates) < 3:
        return None
    gaps = sorted((a - b).total_seconds() for a, b in itertools.pairwise(dates))
    gaps = [g for g in gaps if g > 0]
    if not gaps:
        return None
    return gaps[len(gaps) // 2]


def next_after_success(now: datetime, *, interval: float, bounds: ScheduleBounds,
                       headers: Mapping[str, str] | None = None, ttl_minutes: float | None = None,
                       published: Sequence[datetime | None] = ()) -> datetime:
    """When to poll again after a good poll."""
    gap = posting_gap(published)
    wait = _clamp(gap / 2, bounds.min_seconds, bounds.max_seconds) if gap else float(interval)
    floor = max(ttl_minutes * 60 if ttl_minutes else 0.0,
                server_freshness(headers or {}, now) or 0.0)
    if floor > wait:
        wait = min(floor, bounds.max_seconds)
    return now + timedelta(seconds=wait)


@dataclass(frozen=True)
class FailurePlan:
    """What a failure means for the schedule and the health of a source."""

    next_check_at: datetime
    failing_since: datetime
    unhealthy: bool


def next_after_failure(now: datetime, *, interval: float, failures: int,
                       failing_since: datetime | None, bounds: ScheduleBounds,
                       rng: random.Random, retry_after: float | None = None) -> FailurePlan:
    """Backoff after the ``failures``-th consecutive failure (0 = this is the first)."""
    since = failing_since or now
    unhealthy = (now - since).total_seconds() >= bounds.unhealthy_after_seconds
    if unhealthy:
        delay = bounds.unhealthy_retry_seconds
    else:
        delay = min(bounds.max_backoff_seconds, float(interval) * 2 ** min(failures, 16))
    # Jitter spreads retries of sources that failed together (one host down, many feeds).
    delay *= rng.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, bounds.max_retry_after_seconds))
    return FailurePlan(now + timedelta(seconds=delay), since, unhealthy)
