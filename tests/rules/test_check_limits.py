"""`monitor rules check` on deep nesting, alias bombs and suspicious queries: located errors
and warnings, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.errors import RuleError
from monitor.rules.files import load_rule_files
from monitor.rules.syntax import MAX_DEPTH, QuerySyntaxError, parse

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "id: x\nquery: a\n*i : 1\n"


def _check(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str]:
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    code = main(["rules", "check", str(tmp_path)])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("query", ["(" * 200 + "iran" + ")" * 200,
                                   " NEAR/2 ".join(["iran"] * 300),
                                   "NOT " * 100 + "iran AND x",
                                   "((" + "a NEAR/1 " * 40 + "b)" + " NEAR/1 a" * 40 + ")"])
def test_deep_queries_are_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          query: str) -> None:
    code, out = _check(tmp_path, capsys, f"id: deep\nquery: '{query}'\n")
    assert code == 1
    assert "r.yaml:2:" in out and "64" in out and "Recursion" not in out


def test_depth_limit_is_64() -> None:
    parse("(" * MAX_DEPTH + "iran" + ")" * MAX_DEPTH)
    with pytest.raises(QuerySyntaxError, match="nested more than 64"):
        parse("(" * (MAX_DEPTH + 1) + "iran" + ")" * (MAX_DEPTH + 1))


def test_an_alias_bomb_rule_file_is_refused_at_the_alias(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(tmp_path, capsys, BOMB)
    assert code == 1 and len(out) < 500
    assert "r.yaml:2:8: invalid YAML: YAML aliases are not allowed" in out
    with pytest.raises(RuleError):
        load_rule_files(tmp_path)


def test_suspicious_queries_load_with_warnings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(tmp_path, capsys, "- id: a\n  query: iran near/5 nuclear\n"
                                         "- id: b\n  query: iran NEAR5 nuclear or x\n")
    assert code == 0
    assert "r.yaml:2:15: warning: 'near/5' is a word here" in out
    assert "r.yaml:4:15: warning: 'NEAR5' is a word here" in out
    assert "r.yaml:4:29: warning: 'or' is a word here" in out
    assert "2 rules OK" in out and "3 warnings" in out


def test_every_error_of_a_query_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(tmp_path, capsys, 'id: a\nquery: iran NEAR/0 x** lang:q1 "a*b"\n')
    assert code == 1
    assert [line.split(": ", 1)[0] for line in out.splitlines()] == [
        f"{tmp_path / 'r.yaml'}:2:13", f"{tmp_path / 'r.yaml'}:2:20",
        f"{tmp_path / 'r.yaml'}:2:24", f"{tmp_path / 'r.yaml'}:2:32"]
