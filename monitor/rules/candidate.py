"""Candidate rules: a query, a rule mapping or a rule file's text loaded into a matcher the
way the daemon loads a rule set.

The candidate is written into a fresh directory and loaded by ``Matcher.load`` with the rules
directory's ``concepts/``: whatever the matcher supports in a rule directory thus works here
too, and the daemon's rule set is never touched. The concepts are read where they are, so
that a worker that evaluates one candidate after another parses them once (their parsed
files are remembered by path and content, monitor.rules.concepts). This module reads no store: the
rule evaluators' workers (monitor.evaluations) build candidates with it and nothing more.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import RuleError, RuleProblem
from monitor.rules.concepts import load_concepts
from monitor.rules.lint import lint
from monitor.rules.matcher import Matcher
from monitor.rules.syntax import QuerySyntaxError, concepts, parse

CANDIDATE_ID = "candidate"


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
        try:
            matcher = Matcher.load(work, concepts=rules_dir / "concepts")
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
