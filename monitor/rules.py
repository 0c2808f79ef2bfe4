"""Rule files: YAML in a directory, loaded into typed Rule objects with located errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import RuleError, RuleProblem

_KNOWN_KEYS = {
    "id", "name", "description", "query", "languages", "sources", "min_score",
    "severity", "tags", "notify", "enabled",
}


@dataclass(frozen=True)
class Rule:
    """One rule as written in its file."""

    id: str
    name: str
    query: str
    file: str
    line: int
    description: str = ""
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_score: float = 0.0
    severity: str = "info"
    tags: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    enabled: bool = True
    query_line: int = 0
    query_column: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleFiles:
    """The rules of one directory and a version that changes whenever any file changes."""

    rules: tuple[Rule, ...]
    version: str


def _strs(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _load_file(path: Path, problems: list[RuleProblem]) -> list[Rule]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except UnicodeDecodeError as exc:
        problems.append(RuleProblem(name, 1, 1, f"not UTF-8 text: {exc.reason}"))
        return []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(RuleProblem(name, line, col, f"invalid YAML: {exc.problem}"))
        return []
    if root is None:
        return []
    nodes = root.value if isinstance(root, yaml.SequenceNode) else [root]
    rules: list[Rule] = []
    for node in nodes:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(RuleProblem(name, line, col, "a rule must be a mapping"))
            continue
        data = yaml.safe_load(yaml.serialize(node))
        marks = {k.value: v.start_mark for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        keys = {k.value: k.start_mark for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        bad = False
        for key in data:
            if key not in _KNOWN_KEYS:
                m = keys.get(key)
                problems.append(RuleProblem(
                    name, m.line + 1 if m else line, m.column + 1 if m else col,
                    f"unknown field {key!r}"))
                bad = True
        for key in ("id", "query"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                problems.append(RuleProblem(name, line, col, f"missing required field {key!r}"))
                bad = True
        if bad:
            continue
        qmark = marks.get("query")
        rules.append(Rule(
            id=data["id"], name=str(data.get("name") or data["id"]), query=data["query"],
            file=name, line=line,
            description=str(data.get("description") or ""),
            languages=_strs(data.get("languages")), sources=_strs(data.get("sources")),
            min_score=float(data.get("min_score") or 0.0),
            severity=str(data.get("severity") or "info"),
            tags=_strs(data.get("tags")), notify=_strs(data.get("notify")),
            enabled=bool(data.get("enabled", True)),
            query_line=qmark.line + 1 if qmark else line,
            query_column=qmark.column + 1 if qmark else col,
        ))
    return rules


def load_rule_files(directory: Path) -> RuleFiles:
    """Read every ``*.yaml``/``*.yml`` file of ``directory``; RuleError lists all problems."""
    if not directory.is_dir():
        raise RuleError([RuleProblem(str(directory), 1, 1, "rules directory does not exist")])
    problems: list[RuleProblem] = []
    rules: list[Rule] = []
    digest = hashlib.sha256()
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        rules.extend(_load_file(path, problems))
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id].file
            problems.append(RuleProblem(rule.file, rule.line, 1,
                                        f"duplicate rule id {rule.id!r} (first in {first})"))
        seen[rule.id] = rule
    if problems:
        raise RuleError(problems)
    return RuleFiles(tuple(rules), digest.hexdigest()[:12])
