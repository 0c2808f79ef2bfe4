"""Front matter of folder files: read when valid, a per-file problem (file and line) when not,
never silently read as body text; YAML aliases are refused there and in sources files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from monitor.errors import ConfigError, ParseError
from monitor.reader.fetcher import Validators
from monitor.reader.parsers.folder import FolderSource, split_front_matter
from monitor.subscriptions.files import read_sources

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "title: *i\n"


def test_valid_front_matter_is_read() -> None:
    meta, body = split_front_matter("---\ntitle: Talks resume\nlanguage: en\n---\nBody.\n")
    assert meta == {"title": "Talks resume", "language": "en"} and body == "Body.\n"


def test_bad_front_matter_is_a_problem_of_that_file_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\nThe embassy reopened.\n")
    (tmp_path / "bad.md").write_text("---\ntitle: Good\nauthor: [unclosed\n---\nText.\n")
    (tmp_path / "list.md").write_text("---\n- a\n- b\n---\nText.\n")
    result = asyncio.run(FolderSource(str(tmp_path)).poll(Validators()))
    assert [i.title for i in result.items] == ["Good"]
    assert len(result.problems) == 2
    bad, listed = sorted(result.problems)
    assert bad.startswith(f"{tmp_path / 'bad.md'}: line ") and "invalid front matter" in bad
    assert "line 2" in listed and "key: value" in listed


def test_alias_bomb_in_front_matter_is_refused_at_its_line() -> None:
    with pytest.raises(ParseError, match=r"line 3, column 8: .*aliases are not allowed"):
        split_front_matter(f"---\n{BOMB}---\nBody\n")


def test_alias_bomb_in_a_sources_file_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(BOMB)
    with pytest.raises(ConfigError) as caught:
        read_sources(path, 900)
    assert str(caught.value).startswith(f"{path}:2:8: cannot parse: YAML aliases")
    assert len(str(caught.value)) < 300
