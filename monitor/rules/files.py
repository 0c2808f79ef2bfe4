"""Rule files: ``*.yaml`` in a directory (concepts in its ``concepts/``), loaded into typed
Rule objects; every problem is reported at ``file:line:column``.

A file holds one rule (a mapping) or a list of rules. See docs/rules.md and
schema/rule.schema.json for the fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from monitor.errors import RuleError, RuleProblem
from monitor.rules.breakingspec import Breaking, check_breaking, read_breaking
from monitor.rules.concepts import ConceptDef, ConceptStore, concept_files, load_concepts
from monitor.rules.lint import lint
from monitor.rules.located import Source, compose, entries, value
from monitor.rules.syntax import Node, QuerySyntaxError, concepts, parse

SEVERITIES = ("info", "low", "medium", "high", "critical")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_LANGUAGE = re.compile(r"[a-z]{2,3}\Z")
_STRING_LISTS = ("languages", "tags", "notify")
_KNOWN_KEYS = {
    "id", "name", "description", "query", "languages", "sources", "min_score",
    "severity", "tags", "notify", "enabled", "weights", "threshold", "breaking",
}
@dataclass(frozen=True)
class Weighted:
    """One entry of a rule's ``weights``: a query expression and what it adds to the score."""

    query: str
    weight: float
    ast: Node


@dataclass(frozen=True)
class Rule:
    """One rule as written in its file, with its parsed query."""

    id: str
    name: str
    query: str
    file: str = "<memory>"
    line: int = 1
    description: str = ""
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_score: float = 0.0
    severity: str = "info"
    tags: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    enabled: bool = True
    weights: tuple[Weighted, ...] = ()
    threshold: float | None = None  # set for weighted rules: score needed to match
    breaking: Breaking | None = None  # alerts on its breaking stories too
    ast: Node | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RuleFiles:
    """The rules and concepts of one directory, and a version that changes with any file."""

    rules: tuple[Rule, ...]
    version: str
    concepts: dict[str, ConceptDef] = field(default_factory=dict)
    # Queries that load but probably do not say what was meant (monitor.rules.lint).
    warnings: tuple[RuleProblem, ...] = ()


def make_rule(rule_id: str, query: str, **options: Any) -> Rule:
    """A Rule built in code (tests, benchmarks); raises QuerySyntaxError for a bad query."""
    weights = tuple(Weighted(q, float(w), parse(q))
                    for q, w in dict(options.pop("weights", {})).items())
    return Rule(id=rule_id, name=str(options.pop("name", rule_id)), query=query,
                ast=parse(query) if query else None, weights=weights, **options)


def _check_type(source: Source, key: str, node: yaml.Node, data: Any,
                problems: list[RuleProblem]) -> bool:
    def bad(message: str) -> bool:
        problems.append(source.at(node, message))
        return False

    if key in ("id", "name", "description", "query"):
        if not isinstance(data, str):
            return bad(f"{key} must be a string")
        if key == "id" and not _RULE_ID.match(data):
            return bad(f"bad rule id {data!r}: use lower-case letters, digits, '.', '-', '_'")
    elif key in _STRING_LISTS or key == "sources":
        allowed: tuple[type, ...] = (str, int) if key == "sources" else (str,)
        if not isinstance(data, list) or not all(
                isinstance(v, allowed) and not isinstance(v, bool) for v in data):
            what = "source ids or labels" if key == "sources" else "strings"
            return bad(f"{key} must be a list of {what}")
        if key == "languages":
            for item, v in zip(node.value, data, strict=True):
                if not _LANGUAGE.match(v):
                    problems.append(source.at(item, f"bad language code {v!r}: use ISO 639-1"))
    elif key in ("min_score", "threshold"):
        if not isinstance(data, int | float) or isinstance(data, bool) or data < 0:
            return bad(f"{key} must be a number ≥ 0")
    elif key == "severity":
        if data not in SEVERITIES:
            return bad(f"severity must be one of {', '.join(SEVERITIES)}")
    elif key == "enabled":
        if not isinstance(data, bool):
            return bad("enabled must be true or false")
    elif key == "breaking":
        return check_breaking(data, bad)
    elif key == "weights" and (not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
            for k, v in data.items())):
        return bad("weights must map query expressions to numbers")
    return True


def _parse_at(source: Source, node: yaml.Node, text: str, known: dict[str, ConceptDef],
              problems: list[RuleProblem], warnings: list[RuleProblem]) -> Node | None:
    for offset, message in lint(text):
        warnings.append(source.in_scalar(node, offset, message))
    try:
        ast = parse(text)
    except QuerySyntaxError as exc:
        problems.extend(source.in_scalar(node, offset, message)
                        for offset, message in exc.errors)
        return None
    ok = True
    for ref in concepts(ast):
        if ref.name not in known:
            problems.append(source.in_scalar(node, ref.pos, f"unknown concept '@{ref.name}'"))
            ok = False
    return ast if ok else None


def _rule(source: Source, node: yaml.Node, known: dict[str, ConceptDef],
          problems: list[RuleProblem], warnings: list[RuleProblem]) -> Rule | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(source.at(node, "a rule must be a mapping"))
        return None
    before = len(problems)
    items = entries(source, node, problems)
    data: dict[str, Any] = {}
    for key, (knode, vnode) in items.items():
        if key not in _KNOWN_KEYS:
            problems.append(source.at(knode, f"unknown field {key!r}"))
            continue
        got = value(vnode)
        if _check_type(source, key, vnode, got, problems):
            data[key] = got
    if "id" not in items:
        problems.append(source.at(node, "missing required field 'id'"))
    if "query" not in items and "weights" not in items:
        problems.append(source.at(node, "a rule needs 'query', or 'weights' and 'threshold'"))
    if "weights" in items and "threshold" not in items:
        problems.append(source.at(items["weights"][0], "'weights' needs a 'threshold'"))
    if "threshold" in items and "weights" not in items:
        problems.append(source.at(items["threshold"][0], "'threshold' needs 'weights'"))
    ast = None
    if isinstance(data.get("query"), str):
        ast = _parse_at(source, items["query"][1], data["query"], known, problems, warnings)
    weights: list[Weighted] = []
    if isinstance(data.get("weights"), dict):
        wnode = items["weights"][1]
        for knode, _v in getattr(wnode, "value", []):
            expr = str(knode.value)
            sub = _parse_at(source, knode, expr, known, problems, warnings)
            if sub is not None:
                weights.append(Weighted(expr, float(data["weights"][expr]), sub))
    if len(problems) > before:
        return None
    return Rule(
        id=data["id"], name=str(data.get("name") or data["id"]), query=data.get("query", ""),
        file=source.name, line=node.start_mark.line + 1,
        description=str(data.get("description") or ""),
        languages=tuple(data.get("languages", ())),
        sources=tuple(str(s) for s in data.get("sources", ())),
        min_score=float(data.get("min_score", 0.0)), severity=str(data.get("severity", "info")),
        tags=tuple(data.get("tags", ())), notify=tuple(data.get("notify", ())),
        enabled=bool(data.get("enabled", True)),
        weights=tuple(weights), threshold=data.get("threshold"), ast=ast,
        breaking=read_breaking(data.get("breaking")),
    )


def _rule_files(directory: Path) -> list[Path]:
    # By name: one directory's paths sort as their names do, and Path comparisons are slow.
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")], key=lambda p: p.name)


# A file's rules, problems and warnings: what the cache keeps (monitor.rules.rulecache).
Entry = tuple[list[Rule], list[RuleProblem], list[RuleProblem]]


class FileCache(Protocol):
    def get(self, name: str, content: bytes, file: str) -> Entry | None: ...

    def put(self, name: str, content: bytes, entry: Entry) -> None: ...

    def save(self) -> None: ...


def read_file(path: Path, known: dict[str, ConceptDef]) -> Entry:
    """The rules of one file, with its problems and warnings."""
    rules: list[Rule] = []
    problems: list[RuleProblem] = []
    warnings: list[RuleProblem] = []
    source, root = compose(path, problems)
    if root is not None:
        nodes = root.value if isinstance(root, yaml.SequenceNode) else [root]
        for node in nodes:
            rule = _rule(source, node, known, problems, warnings)
            if rule is not None:
                rules.append(rule)
    return rules, problems, warnings


def read_dir(directory: Path, cache: Callable[[Iterable[str]], FileCache] | None = None,
             concept_dir: Path | None = None, concept_store: ConceptStore | None = None,
             ) -> tuple[RuleFiles, list[RuleProblem]]:
    """Load rules and concepts of ``directory``, collecting every problem instead of raising.

    ``cache(concept_names)`` gives the cache of parsed files to use, if any. ``concept_dir``:
    the concepts' directory when it is not ``directory/concepts`` (a candidate rule is read
    beside the rule set's own concepts, whose parsed files are then remembered);
    ``concept_store``: the concept files parsed by an earlier process."""
    problems: list[RuleProblem] = []
    warnings: list[RuleProblem] = []
    if not directory.is_dir():
        problems.append(RuleProblem(str(directory), 1, 1, "rules directory does not exist"))
        return RuleFiles((), ""), problems
    digest = hashlib.sha256()
    concept_dir = directory / "concepts" if concept_dir is None else concept_dir
    paths = _rule_files(directory)
    contents = {}
    for path in paths:
        contents[path] = data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
    for path in concept_files(concept_dir):
        contents[path] = data = path.read_bytes()
        digest.update(f"concepts/{path.name}".encode() + b"\0" + data)
    known = load_concepts(concept_dir, problems, contents, concept_store)
    files = cache(known) if cache is not None else None
    rules: list[Rule] = []
    first: dict[str, Rule] = {}
    for path in paths:
        entry = files.get(path.name, contents[path], str(path)) if files is not None else None
        if entry is None:
            entry = read_file(path, known)
            if files is not None:
                files.put(path.name, contents[path], entry)
        problems.extend(entry[1])
        warnings.extend(entry[2])
        for rule in entry[0]:
            if rule.id in first:
                problems.append(RuleProblem(rule.file, rule.line, 1, f"duplicate rule id "
                                            f"{rule.id!r} (first in {first[rule.id].file})"))
                continue
            first[rule.id] = rule
            rules.append(rule)
    if files is not None:
        files.save()
    return RuleFiles(tuple(rules), digest.hexdigest()[:12], known, tuple(warnings)), problems


def load_rule_files(directory: Path, cache: Callable[[Iterable[str]], FileCache] | None = None,
                    concept_dir: Path | None = None,
                    concept_store: ConceptStore | None = None) -> RuleFiles:
    """Rules and concepts of ``directory``; raise RuleError listing all problems."""
    files, problems = read_dir(directory, cache, concept_dir, concept_store)
    if problems:
        raise RuleError(problems)
    return files
