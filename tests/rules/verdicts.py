"""Hand-written cases of a shipped rule's verdict: (language, title, body, fires)."""

from __future__ import annotations

from monitor.models import Article
from monitor.rules import Matcher

Case = tuple[str, str, str, bool]


def case_ids(cases: list[Case]) -> list[str]:
    return [f"{c[0]}-{i}" for i, c in enumerate(cases)]


def fires(matcher: Matcher, rule_id: str, language: str, title: str, body: str) -> bool:
    """Whether ``rule_id`` alerts on this article."""
    return rule_id in {m.rule_id for m in matcher.match(Article(title, body, language=language))}
