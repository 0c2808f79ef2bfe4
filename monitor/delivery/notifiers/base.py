"""The Notifier contract: send one outbox item, say what happened, never raise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from monitor.store import OutboxItem


@dataclass(frozen=True)
class SendResult:
    """How one attempt went. ``permanent`` failures are not retried; ``retry_after`` is seconds."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    latency_ms: float | None = None
    retry_after: float | None = None
    permanent: bool = False
    disable_target: bool = False  # the receiver said it is gone for good (410)


class Notifier(Protocol):
    name: str

    async def send(self, item: OutboxItem) -> SendResult: ...
