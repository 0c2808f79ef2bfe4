"""Tolerant date parsing for what feeds, sitemaps and pages write as dates."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from feedparser.datetimes import _parse_date


def _aware(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def parse_date(raw: str | None) -> datetime | None:
    """An aware UTC datetime from RFC 822, ISO 8601 and the many variants seen in feeds; None
    when the text is not a date we can read (an undated item is kept, not dropped)."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    try:
        parsed = _parse_date(text)
    except Exception:  # feedparser's date handlers raise many kinds on odd input
        parsed = None
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError):
        return None
