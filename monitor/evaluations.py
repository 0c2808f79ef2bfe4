"""What the rule evaluators' workers run: a candidate rule checked, or tested on a text, for
the API and the console, from plain data in to a JSON-ready answer out.

Apart from the API and the console, whose packages load the web stack and the store: the
evaluators' forkserver (monitor.sandbox) imports this module and the rule machinery it needs
only, so every worker starts from a small heap shared with its siblings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from monitor.errors import RuleError, RuleProblem
from monitor.models import Match, RawItem
from monitor.reader.article import extract
from monitor.rules import Matcher
from monitor.rules.candidate import candidate_matcher, query_problems, rule_text


def rule_dict(rule: Any) -> dict[str, Any]:
    """A rule as the API shows it."""
    return {"id": rule.id, "name": rule.name, "query": rule.query,
            "description": rule.description, "languages": list(rule.languages),
            "sources": list(rule.sources), "severity": rule.severity,
            "tags": list(rule.tags), "notify": list(rule.notify), "file": rule.file,
            # null: no breaking alerts; otherwise the rule's own thresholds (null: the setting)
            "breaking": (None if getattr(rule, "breaking", None) is None
                         else asdict(rule.breaking))}


def _candidate_text(data: dict[str, Any]) -> str:
    if "yaml" in data:
        return str(data["yaml"])
    return rule_text(query=data.get("query"), rule=data.get("rule"))


def build_candidate(rules_dir: Path, data: dict[str, Any]) -> Matcher:
    """The matcher of an API request's candidate; its warnings are located in what the client
    sent: a bare query's at ``query:line:column``, a rule's in ``candidate.yaml``."""
    bare = "yaml" not in data and "rule" not in data
    if bare:
        problems, warnings = query_problems(rules_dir, str(data.get("query") or ""))
        if problems:
            raise RuleError(problems)
    matcher = candidate_matcher(rules_dir, _candidate_text(data))
    if bare:
        matcher.warnings = tuple(warnings)
    return matcher


def located(problems: Sequence[RuleProblem]) -> list[dict[str, Any]]:
    return [{**asdict(p), "text": str(p)} for p in problems]


def validate_in_worker(rules_dir: Path, data: dict[str, Any]) -> dict[str, Any]:
    """The API's ``rules/validate``."""
    try:
        matcher = build_candidate(rules_dir, data)
    except RuleError as exc:
        return {"valid": False, "problems": located(exc.problems), "rules": [], "warnings": []}
    return {"valid": True, "problems": [], "rules": [rule_dict(r) for r in matcher.rules],
            "warnings": located(matcher.warnings)}


def test_in_worker(rules_dir: Path, data: dict[str, Any], item: RawItem | None
                   ) -> dict[str, Any]:
    """The API's ``rules/test`` (``item`` None: only check the rule, before fetching a page)."""
    try:
        matcher = build_candidate(rules_dir, data)
    except RuleError as exc:
        return {"problems": located(exc.problems)}
    if item is None:
        return {}
    article = extract(item)  # parsing a fetched page is CPU work, bounded with the matching
    matches: list[Match] = matcher.match(article)
    return {"matches": bool(matches),
            "article": {"title": article.title, "language": article.language,
                        "url": article.url, "chars": len(article.body)},
            "results": [m.to_dict() for m in matches],
            "warnings": located(matcher.warnings)}


def workbench_check(rules_dir: Path, text: str) -> dict[str, Any]:
    """The console workbench's check of a rule file's text."""
    try:
        matcher = candidate_matcher(rules_dir, text, "rule.yaml")
    except RuleError as exc:
        return {"valid": False, "problems": located(exc.problems)}
    return {"valid": True, "problems": [], "rules": [r.id for r in matcher.rules]}


def workbench_test(rules_dir: Path, text: str, item: RawItem) -> dict[str, Any]:
    """The console workbench's test of a rule file's text on a text or a fetched page."""
    try:
        matcher = candidate_matcher(rules_dir, text, "rule.yaml")
    except RuleError as exc:
        return {"problems": located(exc.problems)}
    article = extract(item)
    matches = matcher.match(article)
    return {"verdict": {"matches": bool(matches), "language": article.language,
                        "title": article.title, "results": [m.to_dict() for m in matches]}}
