"""The alert payload sent to receivers: one shape, documented in schema/ (JSON Schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.models import Article, Match
from monitor.store.records import BreakingStory

PAYLOAD_VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def alert_payload(match: Match, article: Article, article_id: int, source: str,
                  now: datetime) -> dict[str, Any]:
    """The JSON body of an alert; frozen at creation so that every retry sends the same bytes."""
    return _envelope("alert", now, {
        "rule": {"id": match.rule_id, "name": match.rule_name, "severity": match.severity},
        "score": match.score,
        "article": _article(article, article_id, source),
        "evidence": [e.to_dict() for e in match.evidence],
    })


def _envelope(kind: str, now: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "version": PAYLOAD_VERSION, "timestamp": _iso(now), "data": data}


def _article(article: Article, article_id: int, source: str) -> dict[str, Any]:
    return {"id": article_id, "title": article.title, "url": article.url,
            "language": article.language, "published": _iso(article.published),
            "source": source, "author": article.author}


def breaking_payload(story: BreakingStory, now: datetime) -> dict[str, Any]:
    """The JSON body of a breaking-story alert: the rule, the story's first article (so that
    a receiver of plain alerts shows it as one), and the story's sources and languages so far
    with the figures that made it breaking."""
    rule = story.rule
    languages = sorted({lang for s in story.sources for lang in s.languages})
    return _envelope("breaking", now, {
        "rule": {"id": rule.rule_id, "name": rule.rule_name, "severity": rule.severity},
        "score": float(story.in_window),
        "article": _article(story.lead, int(story.lead.id or story.story_id),
                            story.lead_source),
        "evidence": [],
        "story": {
            "id": story.story_id,
            "first_seen": _iso(story.first_seen),
            "articles": story.articles,
            "sources": [{"id": s.source_id, "name": s.name, "languages": list(s.languages)}
                        for s in story.sources],
            "languages": languages,
            "sources_in_window": story.in_window,
            "window_minutes": int(rule.window.total_seconds() // 60),
            "baseline_median": story.median,
            "baseline_stories": story.baselined,
            "min_sources": rule.min_sources,
            "factor": rule.factor,
        },
    })
