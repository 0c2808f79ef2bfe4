"""Backtests: a rule run over stored articles, what it would have alerted.

A candidate rule is built as monitor.rules.candidate builds it (beside a copy of the rules
directory's concepts, the daemon's rule set never touched); a rule of the rules directory is
found by its file or its id.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError, RuleError, RuleProblem
from monitor.models import Article, Match
from monitor.rules.candidate import candidate_matcher
from monitor.rules.located import safe_load
from monitor.rules.matcher import Matcher
from monitor.store import Store, articlelist

_SPAN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime, *, setting: str = "--since") -> datetime:
    """``30d``, ``12h``, ``2w``... before ``now``, or an ISO date/time."""
    m = _SPAN.match(text)
    if m:
        try:
            return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        except OverflowError:  # further back than any stored article: all of them
            return datetime(1970, 1, 1, tzinfo=now.tzinfo)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(setting, f"expected a span like 30d, 12h, 2w or an ISO date, "
                          f"got {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=now.tzinfo)


def matcher_for(target: str, rules_dir: Path, *, files: bool = True
                ) -> tuple[Matcher, set[str]]:
    """A matcher for a rule file path (when ``files``) or a rule id of ``rules_dir``, and the
    rule ids to report."""
    path = Path(target)
    if files and path.is_file():
        m = candidate_matcher(rules_dir, path.read_text(encoding="utf-8"), path.name)
        return m, {r.id for r in m.rules}
    for file in sorted([*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")]):
        try:
            data = safe_load(file.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        items = data if isinstance(data, list) else [data]
        if any(isinstance(d, dict) and d.get("id") == target for d in items):
            m = candidate_matcher(rules_dir, file.read_text(encoding="utf-8"), file.name)
            return m, {target}
    raise RuleError([RuleProblem(target, 1, 1, f"neither a rule file nor the id of a rule "
                                 f"in {rules_dir}")])


@dataclass
class Example:
    article_id: int
    title: str
    url: str | None
    source: str
    at: datetime
    match: Match

    def to_dict(self) -> dict[str, Any]:
        return {"article": {"id": self.article_id, "title": self.title, "url": self.url,
                            "source": self.source, "at": self.at.isoformat()},
                **self.match.to_dict(), "evidence": [e.to_dict() for e in
                                                     self.match.evidence[:5]]}


@dataclass
class BacktestResult:
    """What a rule would have alerted over stored articles."""

    since: datetime
    until: datetime
    scanned: int = 0
    alerts: int = 0
    per_rule: Counter[str] = field(default_factory=Counter)
    per_day: dict[str, Counter[str]] = field(default_factory=dict)  # day -> rule -> count
    examples: list[Example] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "articles_scanned": self.scanned, "alerts": self.alerts,
                "per_rule": dict(self.per_rule),
                "per_day": [{"day": day, "alerts": sum(c.values()), "per_rule": dict(c)}
                            for day, c in sorted(self.per_day.items())],
                "examples": [e.to_dict() for e in self.examples]}


def stored_articles(store: Store, since: datetime, batch: int = 500
                    ) -> Iterator[tuple[int, Article, str, datetime]]:
    """Stored articles fetched since ``since``, oldest first, in batches (bounded memory)."""
    last = 0
    while True:
        rows = articlelist.articles_since(store, since, after=last, limit=batch)
        if not rows:
            return
        for a, src in rows:
            assert a.id is not None
            last = a.id
            labels = tuple(x for x in src.labels.split(",") if x)
            yield a.id, Article(title=a.title, body=a.body, url=a.url, guid=a.guid,
                                language=a.language, published=a.published, author=a.author,
                                source_id=a.source_id, source_labels=labels, id=str(a.id),
                                content_hash=a.content_hash), src.title or src.url, a.fetched_at


def backtest(store: Store, matcher: Matcher, rule_ids: set[str] | None, *, since: datetime,
             until: datetime, examples: int = 10) -> BacktestResult:
    """Run ``matcher`` over the articles stored since ``since``; count what would have alerted."""
    result = BacktestResult(since, until)
    for article_id, article, source, at in stored_articles(store, since):
        result.scanned += 1
        for m in matcher.match(article):
            if rule_ids is not None and m.rule_id not in rule_ids:
                continue
            result.alerts += 1
            result.per_rule[m.rule_id] += 1
            result.per_day.setdefault(at.date().isoformat(), Counter())[m.rule_id] += 1
            if len(result.examples) < examples:
                result.examples.append(Example(article_id, article.title, article.url, source,
                                               at, m))
    return result


def render(result: BacktestResult) -> str:
    """The backtest for people: counts per day, then examples with their evidence."""
    lines = [f"{result.scanned} articles since {result.since:%Y-%m-%d %H:%M}: "
             f"{result.alerts} alerts" + "".join(f", {rule}: {n}" for rule, n in
                                                 sorted(result.per_rule.items()))]
    for day, counts in sorted(result.per_day.items()):
        lines.append(f"  {day}  {sum(counts.values()):>5}  " + " ".join(
            f"{rule}={n}" for rule, n in sorted(counts.items())))
    for ex in result.examples:
        lines.append(f"\n[{ex.match.rule_id}] {ex.title}  ({ex.source}, {ex.at:%Y-%m-%d})")
        lines.extend(f"  why: {ev.field} {ev.term!r}: {ev.snippet}"
                     for ev in ex.match.evidence[:3])
    return "\n".join(lines)
