"""The one shape of a source as people and programs see it (CLI ``--json`` and the API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.store.records import SourceInfo


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def source_dict(info: SourceInfo) -> dict[str, Any]:
    s = info.source
    return {"id": s.id, "url": s.url, "kind": s.kind, "kind_auto": s.kind_auto,
            "title": s.title, "enabled": s.enabled, "interval": s.interval_seconds,
            "labels": [x for x in s.labels.split(",") if x],
            "last_poll": _iso(s.last_polled_at), "next_poll": _iso(s.next_check_at),
            "last_status": s.last_status, "last_error": s.last_error,
            "consecutive_failures": s.consecutive_failures, "unhealthy": s.unhealthy,
            "failing_since": _iso(s.failing_since), "disabled_reason": s.disabled_reason,
            "articles": info.articles}
