"""The alert payload sent to receivers: one shape, documented in schema/ (JSON Schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.models import Article, Match

PAYLOAD_VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def alert_payload(match: Match, article: Article, article_id: int, source: str,
                  now: datetime) -> dict[str, Any]:
    """The JSON body of an alert; frozen at creation so that every retry sends the same bytes."""
    return {
        "type": "alert",
        "version": PAYLOAD_VERSION,
        "timestamp": _iso(now),
        "data": {
            "rule": {"id": match.rule_id, "name": match.rule_name, "severity": match.severity},
            "score": match.score,
            "article": {
                "id": article_id,
                "title": article.title,
                "url": article.url,
                "language": article.language,
                "published": _iso(article.published),
                "source": source,
                "author": article.author,
            },
            "evidence": [e.to_dict() for e in match.evidence],
        },
    }
