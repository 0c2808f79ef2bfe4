"""Noise control (owner: delivery): per-rule throttle and digest windows, and digest payloads.

Windows are aligned to the epoch (a "1h" window runs from one full hour to the next), so that
every worker agrees on them without talking to each other. A throttled rule lets ``limit``
alerts per window through to each target; the rest are held and sent together as one digest
when the window ends. A digest rule holds every alert and sends one digest per window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from monitor.delivery.payload import PAYLOAD_VERSION
from monitor.delivery.targets import NoisePolicy


def window(policy: NoisePolicy, now: datetime) -> tuple[datetime, datetime]:
    """The window ``now`` falls in: [start, end)."""
    size = policy.window_seconds
    start = math.floor(now.timestamp() / size) * size
    return (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + size, UTC))


def passes(policy: NoisePolicy, already_passed: int) -> bool:
    """Whether one more alert may go out on its own in this window."""
    if policy.digest_seconds is not None:
        return False
    assert policy.throttle is not None
    return already_passed < policy.throttle.limit


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def digest_payload(alerts: Sequence[dict[str, Any]], *, start: datetime, end: datetime,
                   now: datetime) -> dict[str, Any]:
    """One message for many alerts of one rule; ``alerts`` are the alert payloads held back."""
    first = alerts[0]["data"]["rule"] if alerts else {}
    return {
        "type": "digest",
        "version": PAYLOAD_VERSION,
        "timestamp": _iso(now),
        "data": {
            "rule": first,
            "window": {"start": _iso(start), "end": _iso(end)},
            "count": len(alerts),
            "alerts": [a["data"] for a in alerts],
        },
    }
