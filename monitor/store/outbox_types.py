"""The outbox's contract with whoever claims from it: plain records and the noise gate.

The outbox does not know what a throttle or a digest is. A claim hands the deliveries it has
not yet let through to a ``Gate`` (the delivery side's noise control), inside the claim's own
transaction so that two workers never decide about the same delivery, and writes down what
the gate decided: which deliveries are held back and until when, and the one payload that
replaces each group of held deliveries once their window has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Waiting:
    """A pending delivery of a gated rule that has been neither let through nor held yet."""

    delivery_id: int
    rule_id: str


@dataclass(frozen=True)
class HeldGroup:
    """The deliveries of one rule held until the same moment, which has now passed."""

    rule_id: str
    until: datetime  # the end of the window they were held in
    first_gated: datetime  # when the oldest of them was held (or created)
    payloads: tuple[str, ...]  # their alert payloads (JSON), oldest first


# How many deliveries of a rule went out to this target since a moment (held and digested
# ones not counted); asked within the claim's transaction.
SentSince = Callable[[str, datetime], int]


class Gate(Protocol):
    """The decisions a claim asks for; called inside the claim's transaction, so quick."""

    @property
    def rules(self) -> Collection[str]:
        """The rules whose deliveries pass through the gate (the others go straight out)."""
        ...

    def hold(self, waiting: Sequence[Waiting], now: datetime,
             sent_since: SentSince) -> Mapping[int, datetime]:
        """The ``waiting`` deliveries held back, by id, with when they are released."""
        ...

    def digest(self, group: HeldGroup, now: datetime) -> str:
        """The payload (JSON) of the one delivery that replaces ``group``."""
        ...
