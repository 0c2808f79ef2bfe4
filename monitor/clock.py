"""The clock passed to every stage, so that scheduling and backoff are testable without sleeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> datetime: ...


def utcnow() -> datetime:
    """The real clock: an aware UTC datetime."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored time as an aware one: SQLite gives naive datetimes back, and they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
