"""Noise control: per-rule throttle and digest windows, and digest payloads.

Windows are aligned to the epoch (a "1h" window runs from one full hour to the next), so that
every worker agrees on them without talking to each other. A throttled rule lets ``limit``
alerts per window through to each target; the rest are held and sent together as one digest
when the window ends. A digest rule holds every alert and sends one digest per window.
``NoiseGate`` makes these decisions for the outbox, which asks for them while it claims.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.delivery.payload import PAYLOAD_VERSION
from monitor.delivery.targets import NoisePolicy
from monitor.store.outbox_types import HeldGroup, SentSince, Waiting


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


class NoiseGate:
    """The per-rule policies as the outbox's ``Gate``: what a throttle holds back, and the
    digest that replaces what was held."""

    def __init__(self, policies: Mapping[str, NoisePolicy]) -> None:
        self.policies = dict(policies)

    @property
    def rules(self) -> Collection[str]:
        return self.policies.keys()

    def hold(self, waiting: Sequence[Waiting], now: datetime,
             sent_since: SentSince) -> dict[int, datetime]:
        """Oldest first, each rule lets through what its policy allows in the current window."""
        passed: dict[str, int] = {}
        held: dict[int, datetime] = {}
        for w in waiting:
            policy = self.policies[w.rule_id]
            start, end = window(policy, now)
            if w.rule_id not in passed:
                passed[w.rule_id] = sent_since(w.rule_id, start)
            if passes(policy, passed[w.rule_id]):
                passed[w.rule_id] += 1
            else:
                held[w.delivery_id] = end
        return held

    def digest(self, group: HeldGroup, now: datetime) -> str:
        # A rule no longer configured (reloaded meanwhile) spans from its first held alert.
        policy = self.policies.get(group.rule_id)
        start = (group.until - timedelta(seconds=policy.window_seconds) if policy else
                 group.first_gated)
        body = digest_payload([json.loads(p) for p in group.payloads], start=start,
                              end=group.until, now=now)
        return json.dumps(body, ensure_ascii=False)
