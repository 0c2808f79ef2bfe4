"""Plain typed domain objects that flow through the pipeline.

Third-party data (feedparser dicts, HTTP responses, database rows) is converted into these at
the boundary; the stages between fetch and deliver see nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RawItem:
    """One item as a source yields it, before cleaning: the body may still be HTML or noisy."""

    title: str
    content: str
    content_type: str = "text/plain"  # "text/html" when ``content`` is markup
    url: str | None = None
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None
    language: str | None = None  # declared by the source, if it says


@dataclass(frozen=True)
class Article:
    """A clean article: text without markup or boilerplate, ready to match and store."""

    title: str
    body: str
    url: str | None = None
    guid: str | None = None
    language: str | None = None
    published: datetime | None = None
    author: str | None = None
    source_id: int | None = None
    source_labels: tuple[str, ...] = ()
    id: str | None = None  # caller's id (``monitor match``) or the stored id
    content_hash: str = ""
    # The other sites' pages its text links to (``reader.citations``): kept for story linking
    # only, not stored.
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Why a rule matched: one hit of one term or phrase in one field of the article."""

    term: str  # the rule's term, phrase or concept entry that hit
    field: str  # "title" or "body"
    start: int  # character offsets into that field's clean text
    end: int
    text: str  # the article's own words at [start:end]
    snippet: str  # a short excerpt around the hit, the hit between « and »
    concept: str | None = None
    weight: float = 1.0
    # "topic": what the rule is about; "context": who or where (the far side of a NEAR/SENT).
    role: str = "topic"

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.snippet,
            "concept": self.concept,
            "weight": self.weight,
            "role": self.role,
        }


@dataclass(frozen=True)
class Match:
    """One rule matching one article, with the evidence for it."""

    rule_id: str
    rule_name: str
    score: float
    evidence: tuple[Evidence, ...] = ()
    severity: str = "info"
    notify: tuple[str, ...] = ()  # target names; empty means every target

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "name": self.rule_name,
            "score": round(self.score, 4),
            "severity": self.severity,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class NewAlert:
    """An alert created by one poll, as reported to the console."""

    alert_id: int
    rule_id: str
    rule_name: str
    article_title: str
    article_url: str | None
    source: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    kind: str = "alert"  # alert | breaking (a story of the rule spreading unusually fast)
