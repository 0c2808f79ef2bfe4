"""Backtests and trial matches: a candidate rule run over stored articles or one text.

A candidate rule (a query, a rule mapping, a rule file, or the id of a rule in the rules
directory) is loaded the way the daemon loads a rule set: written into a fresh directory next
to a copy of the rules directory's ``concepts/``, then ``Matcher.load``. Whatever the matcher
supports in a rule directory thus works here too, and the daemon's rule set is never touched.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError, RuleError, RuleProblem
from monitor.models import Article, Match
from monitor.rules.concepts import load_concepts
from monitor.rules.lint import lint
from monitor.rules.located import safe_load
from monitor.rules.matcher import Matcher
from monitor.rules.syntax import QuerySyntaxError, concepts, parse
from monitor.store import Store, articlelist

CANDIDATE_ID = "candidate"
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


def _enabled(data: Any) -> Any:
    """The rule(s) with ``enabled`` forced on: a rule being tuned is usually still off."""
    if isinstance(data, dict):
        return {**data, "enabled": True}
    if isinstance(data, list):
        return [_enabled(d) for d in data]
    return data


def _load_dir(rules_dir: Path, files: Mapping[str, str]) -> Matcher:
    with tempfile.TemporaryDirectory(prefix="monitor-rule-") as tmp:
        work = Path(tmp)
        for name, text in files.items():
            (work / name).write_text(text, encoding="utf-8")
        concepts = rules_dir / "concepts"
        if concepts.is_dir():
            shutil.copytree(concepts, work / "concepts")
        try:
            matcher = Matcher.load(work)
            matcher.warnings = tuple(_named(p, work) for p in matcher.warnings)
            return matcher
        except yaml.YAMLError as exc:
            # Not every YAML error carries a mark (a control character is a ReaderError): the
            # rule loader lets those through, so they are turned into a located problem here.
            name = next(iter(files), "rule")
            raise RuleError([RuleProblem(name, 1, 1, f"invalid YAML: {exc}")]) from None
        except RuleError as exc:
            # Problems name the temporary copy; people need the name they gave.
            raise RuleError([_named(p, work) for p in exc.problems]) from None


def _named(problem: RuleProblem, work: Path) -> RuleProblem:
    if problem.file.startswith(str(work)):
        return replace(problem, file=problem.file.replace(str(work) + "/", ""))
    return problem


def query_problems(rules_dir: Path, query: str) -> tuple[list[RuleProblem], list[RuleProblem]]:
    """(problems, warnings) of a bare query, located in the query itself (``query:1:8``), not
    in the YAML file a candidate rule is wrapped in."""
    def at(offset: int, message: str) -> RuleProblem:
        line = query.count("\n", 0, offset) + 1
        column = offset - (query.rfind("\n", 0, offset) + 1) + 1
        return RuleProblem("query", line, column, message)

    warnings = [at(offset, message) for offset, message in lint(query)]
    try:
        ast = parse(query)
    except QuerySyntaxError as exc:
        return [at(offset, message) for offset, message in exc.errors], warnings
    ignored: list[RuleProblem] = []  # the concept files' own problems are not the query's
    known = load_concepts(rules_dir / "concepts", ignored)
    return [at(ref.pos, f"unknown concept '@{ref.name}'")
            for ref in concepts(ast) if ref.name not in known], warnings


def rule_text(query: str | None = None, rule: Mapping[str, Any] | None = None) -> str:
    """The YAML of a candidate: a bare query (id ``candidate``) or a whole rule mapping."""
    if rule is not None:
        data = {"id": CANDIDATE_ID, **dict(rule)}
    else:
        data = {"id": CANDIDATE_ID, "name": "Candidate rule", "query": query or ""}
    return yaml.safe_dump(_enabled(data), allow_unicode=True, sort_keys=False)


def _enabled_in_place(text: str) -> str:
    """``text`` with every ``enabled: false`` of its rule(s) turned on where it stands: the
    rest of the text keeps its lines and columns, so each problem the loader finds is at the
    line and column the person wrote (a re-dumped copy would move them)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return text  # the loader reports it, located
    rules = root.value if isinstance(root, yaml.SequenceNode) else [root]
    spans = [(v.start_mark.index, v.end_mark.index)
             for rule in rules if isinstance(rule, yaml.MappingNode)
             for k, v in rule.value
             if isinstance(k, yaml.ScalarNode) and k.value == "enabled"
             and isinstance(v, yaml.ScalarNode) and v.tag == "tag:yaml.org,2002:bool"
             and v.value.lower() in ("false", "no", "off")]
    for start, end in reversed(spans):
        text = text[:start] + "true".ljust(end - start) + text[end:]
    return text


def candidate_matcher(rules_dir: Path, text: str, name: str = "candidate.yaml") -> Matcher:
    """A matcher of one rule file's text, with the rules directory's concepts."""
    return _load_dir(rules_dir, {name: _enabled_in_place(text)})


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
