"""read_dir: every problem of rule and concept files, at file:line:column."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from monitor.errors import RuleError, RuleProblem
from monitor.rules.files import read_dir
from monitor.rules.matcher import Matcher
from tests.conftest import RULES


def check_dir(directory: Path) -> list[RuleProblem]:
    return read_dir(directory)[1]


ROOT = Path(__file__).resolve().parents[2]
CONCEPT = "id: states\nterms:\n  en: [government, minister*]\n"


def _dir(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {"concepts/states.yaml": CONCEPT, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("id: a\nquery: embassy OR @nope\n", 2, 19, "unknown concept '@nope'"),
    ("id: a\nquery: (embassy OR consulate\n", 2, 8, "unbalanced parenthesis"),
    ("id: a\nquery: embassy OR consulate)\n", 2, 28, "unbalanced parenthesis"),
    ("id: a\nquery: >-\n  embassy\n  OR @nope\n", 4, 6, "unknown concept '@nope'"),
    ("id: a\nquery: 'embassy NEAR/x b'\n", 2, 17, "bad proximity"),
    ('id: a\nquery: "embassy sub:x"\n', 2, 17, "unknown field 'sub'"),
    ("id: a\nquery: embassy\ncolour: red\n", 3, 1, "unknown field 'colour'"),
    ("id: a\nquery: embassy\nmin_score: high\n", 3, 12, "min_score must be a number"),
    ("id: a\nquery: embassy\nlanguages: en\n", 3, 12, "languages must be a list"),
    ("id: a\nquery: embassy\nlanguages: [en, english]\n", 3, 17, "bad language code"),
    ("id: a\nquery: embassy\nenabled: maybe\n", 3, 10, "enabled must be true or false"),
    ("id: a\nquery: embassy\nseverity: huge\n", 3, 11, "severity must be one of"),
    ("id: a\nquery: [embassy\n", 3, 1, "invalid YAML"),
    ("query: embassy\n", 1, 1, "missing required field 'id'"),
    ("id: a\nname: x\n", 1, 1, "needs 'query'"),
    ("id: a\nweights: {embassy: 1}\n", 2, 1, "'weights' needs a 'threshold'"),
    ("id: a\nweights: {'embassy OR': 1}\nthreshold: 1\n", 2, 22, "query ends"),
    ("id: a\nquery: embassy\nquery: other\n", 3, 1, "duplicate key 'query'"),
])
def test_rule_problems_are_located(tmp_path: Path, text: str, line: int, column: int,
                                   message: str) -> None:
    problems = check_dir(_dir(tmp_path, {"r.yaml": text}))
    assert problems, "expected a problem"
    first = problems[0]
    assert (first.file, first.line, first.column) == (str(tmp_path / "r.yaml"), line, column)
    assert message in first.message
    assert str(first).startswith(f"{tmp_path / 'r.yaml'}:{line}:{column}: ")


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("id: x\nterms:\n  en: [a, '(b']\n", 3, 11, "bad term"),
    ("id: x\nterms:\n  english: [a]\n", 3, 3, "bad language code"),
    ("id: x\nterms:\n  en: a\n", 3, 7, "must be a list"),
    ("id: x\nterms:\n  en: [{term: a, weight: 0}]\n", 3, 26, "weight must be a number"),
    ("id: X y\nterms: {}\n", 1, 5, "bad concept id"),
    ("id: x\n", 1, 1, "missing required field 'terms'"),
])
def test_concept_problems_are_located(tmp_path: Path, text: str, line: int, column: int,
                                      message: str) -> None:
    problems = check_dir(_dir(tmp_path, {"concepts/x.yaml": text,
                                         "r.yaml": "id: a\nquery: b\n"}))
    assert [(p.line, p.column) for p in problems][:1] == [(line, column)]
    assert message in problems[0].message


def test_all_problems_are_reported_and_load_raises(tmp_path: Path) -> None:
    directory = _dir(tmp_path, {
        "a.yaml": "- id: a\n  query: x OR @nope\n- id: b\n  query: (y\n- id: c\n  query: y\n",
        "b.yaml": "id: c\nquery: z\n",
    })
    problems = check_dir(directory)
    assert len(problems) == 3
    assert "duplicate rule id 'c'" in problems[2].message
    with pytest.raises(RuleError) as info:
        Matcher.load(directory)
    assert info.value.problems == problems
    assert len(problems) == 3


def test_version_changes_with_any_file(tmp_path: Path) -> None:
    directory = _dir(tmp_path, {"a.yaml": "id: a\nquery: government\n"})
    first = Matcher.load(directory).version
    (directory / "concepts" / "states.yaml").write_text(CONCEPT + "  fr: [gouvernement]\n")
    assert Matcher.load(directory).version != first


def test_shipped_rules_are_valid() -> None:
    assert check_dir(RULES) == []


@pytest.mark.parametrize("path", sorted((RULES).glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_rules_follow_the_schema(path: Path) -> None:
    schema = json.loads((ROOT / "schema" / "rule.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize("path", sorted((RULES / "concepts").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_concepts_follow_the_schema(path: Path) -> None:
    schema = json.loads((ROOT / "schema" / "concept.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize(("rule", "valid"), [
    ({"id": "a", "query": "x"}, True),
    ({"id": "a", "weights": {"x": 1}, "threshold": 1}, True),
    ({"id": "a", "weights": {"x": 1}}, False),
    ({"id": "a"}, False),
    ({"id": "a", "query": "x", "colour": "red"}, False),
    ({"id": "a", "query": "x", "severity": "huge"}, False),
])
def test_schema_agrees_with_the_loader(rule: dict[str, object], valid: bool) -> None:
    schema = json.loads((ROOT / "schema" / "rule.schema.json").read_text())
    assert jsonschema.Draft202012Validator(schema).is_valid(rule) is valid
