"""The on-disk cache of parsed rule files: hit, miss, edit, corrupt or foreign entries, with
real files in temporary directories."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from monitor.errors import RuleError
from monitor.models import Article
from monitor.rules.files import load_rule_files, read_dir
from monitor.rules.matcher import Matcher
from monitor.rules.rulecache import RuleCache, cache_dir

RULES = {
    "embassy.yaml": "id: embassy\nname: Embassies\nseverity: high\nlanguages: [en]\n"
                    "query: '(embassy OR consul*) SENT @actors NOT title:\"hotel\"'\n",
    "talks.yaml": "- id: talks\n  query: 'talks NEAR/5 (russia OR \"united states\")'\n"
                  "- id: weighted\n  weights: {sanctions: 2, 'freeze*': 1.5}\n  threshold: 2\n",
}
CONCEPT = "id: actors\nterms:\n  en: [russia, moscow]\n"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    (directory / "concepts").mkdir(parents=True)
    (directory / "concepts" / "actors.yaml").write_text(CONCEPT)
    for name, text in RULES.items():
        (directory / name).write_text(text)
    return directory


class Opened:
    """RuleCache.open for one directory, remembering the cache it gave."""

    def __init__(self, where: Path, directory: Path) -> None:
        self.where, self.directory = where, directory
        self.cache: RuleCache | None = None

    def __call__(self, concepts: Iterable[str]) -> RuleCache:
        self.cache = RuleCache.open(self.where, self.directory, concepts)
        return self.cache

    def load(self) -> tuple[int, int, list[object]]:
        files = load_rule_files(self.directory, self)
        assert self.cache is not None
        return self.cache.hits, self.cache.misses, [(r, r.ast, [w.ast for w in r.weights])
                                                    for r in files.rules]


def test_a_second_load_is_read_from_the_cache_and_equal(rules: Path, tmp_path: Path) -> None:
    opened = Opened(tmp_path / "cache", rules)
    hits, misses, first = opened.load()
    assert (hits, misses) == (0, 2)
    [written] = (tmp_path / "cache").glob("*.json")
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    hits, misses, second = opened.load()
    assert (hits, misses) == (2, 0)
    assert second == first  # fields, parsed queries and weights
    uncached, _problems = read_dir(rules)
    assert [r for r, *_ in second] == list(uncached.rules)


def test_an_edited_file_alone_is_parsed_again(rules: Path, tmp_path: Path) -> None:
    opened = Opened(tmp_path / "cache", rules)
    opened.load()
    (rules / "talks.yaml").write_text("id: talks\nquery: 'talks NEAR/2 moscow'\n")
    hits, misses, got = opened.load()
    assert (hits, misses) == (1, 1)
    assert [r.id for r, *_ in got] == ["embassy", "talks"]
    matcher = Matcher.load(rules, tmp_path / "cache")
    article = Article("", "Talks in Moscow began.", language="en")
    assert [m.rule_id for m in matcher.match(article)] == ["talks"]
    (rules / "talks.yaml").unlink()
    assert opened.load()[:2] == (1, 0)
    assert [r.id for r, *_ in opened.load()[2]] == ["embassy"]


def test_new_concept_names_make_every_entry_stale(rules: Path, tmp_path: Path) -> None:
    opened = Opened(tmp_path / "cache", rules)
    opened.load()
    (rules / "concepts" / "venues.yaml").write_text("id: venues\nterms:\n  en: [hotel]\n")
    assert opened.load()[:2] == (0, 2)


def _entries(where: Path) -> tuple[Path, dict[str, list[str]]]:
    [path] = where.glob("*.json")
    return path, json.loads(path.read_text())


def test_corrupt_entries_and_files_are_ignored_and_rebuilt(rules: Path, tmp_path: Path) -> None:
    where = tmp_path / "cache"
    opened = Opened(where, rules)
    _h, _m, good = opened.load()
    path, data = _entries(where)
    # A payload that does not match its checksum (a torn or edited write).
    data["entries"]["embassy.yaml"][2] = data["entries"]["embassy.yaml"][2].replace(
        "embassy", "hotel")
    # A payload with a valid checksum but a query node that does not decode.
    import hashlib

    text = json.dumps({"rules": [{"id": "talks", "ast": ["x", 1]}], "problems": [],
                       "warnings": []})
    data["entries"]["talks.yaml"][1:] = [hashlib.sha256(text.encode()).hexdigest(), text]
    path.write_text(json.dumps(data))
    assert opened.load() == (0, 2, good)
    assert opened.load()[:2] == (2, 0)  # rewritten whole
    path.write_bytes(b"\x00not json")
    assert opened.load() == (0, 2, good)
    assert opened.load()[:2] == (2, 0)


def test_problems_are_cached_with_their_place(rules: Path, tmp_path: Path) -> None:
    (rules / "bad.yaml").write_text("id: bad\nquery: 'embassy AND (iran'\nsevrity: high\n")
    _files, expected = read_dir(rules)
    assert len(expected) == 2 and {p.line for p in expected} == {2, 3}
    for _ in range(2):  # the second time from the cache: the same errors at the same places
        with pytest.raises(RuleError) as caught:
            Matcher.load(rules, tmp_path / "cache")
        assert [str(p) for p in caught.value.problems] == [str(p) for p in expected]


def test_a_cache_others_may_write_is_not_used(rules: Path, tmp_path: Path) -> None:
    where = tmp_path / "shared"
    where.mkdir()
    os.chmod(where, 0o777)
    opened = Opened(where, rules)
    assert opened.load()[:2] == (0, 2)
    assert opened.load()[:2] == (0, 2)
    assert list(where.iterdir()) == []


def test_the_setting_names_the_directory(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    assert cache_dir("off") is None
    assert cache_dir(str(tmp_path)) == tmp_path
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("auto") == tmp_path / "xdg" / "monitor" / "rules"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir("auto") == tmp_path / "home" / ".cache" / "monitor" / "rules"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not a place to trust: none
    assert cache_dir("auto") is None


def test_every_field_of_a_rule_survives_the_cache() -> None:
    # A field the cache forgot came back as its default from the second start on (a rule's
    # breaking: setting was lost that way): every field set away from its default must
    # come back equal.
    from dataclasses import fields

    from monitor.rules.breakingspec import Breaking
    from monitor.rules.files import Rule, Weighted
    from monitor.rules.serial import decode_rule, encode_rule
    from monitor.rules.syntax import parse

    rule = Rule(id="r", name="R", query="a", file="f.yaml", line=3, description="d",
                languages=("en",), sources=("s",), min_score=0.5, severity="high",
                tags=("t",), notify=("n",), enabled=False,
                weights=(Weighted("b", 2.0, parse("b")),), threshold=2.0,
                breaking=Breaking(3, 90, 2.5, 7), ast=parse("a"))
    defaults = Rule(id="r", name="R", query="a")
    changed = {f.name for f in fields(Rule) if f.compare
               and getattr(rule, f.name) != getattr(defaults, f.name)}
    assert changed == {f.name for f in fields(Rule) if f.compare} - {"id", "name", "query"}
    back = decode_rule(json.loads(json.dumps(encode_rule(rule))), "f.yaml")
    assert back == rule and back.ast == rule.ast


def test_concept_files_parsed_by_an_earlier_process_are_not_parsed_again(
        rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.rules import concepts

    (rules / "concepts" / "talks.yaml").write_text(
        "id: talks\nterms:\n  en: [talks, {term: summit, weight: 2}]\n  any: [OSCE]\n")
    where = tmp_path / "cache"
    first = Matcher.load(rules, where)
    assert list(where.glob("*-concepts.json"))
    # A new process: nothing in memory, and parsing a concept file would fail the test.
    monkeypatch.setattr(concepts, "_PARSED", {})

    def no_parse(path: Path, problems: list[object]) -> None:
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(concepts, "_load_file", no_parse)
    again = Matcher.load(rules, where)
    assert again.concepts == first.concepts
    article = Article(url="https://example.org/t", title="Embassy",
                      body="Protesters gathered at the embassy in Moscow.", language="en")
    assert [m.to_dict() for m in again.match(article)] == [
        m.to_dict() for m in first.match(article)]


def test_a_broken_concept_files_problems_come_back_from_the_cache(
        rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.rules import concepts

    (rules / "concepts" / "bad.yaml").write_text("id: bad\nterms:\n  en: [ok]\nsevrity: 1\n")
    where = tmp_path / "cache"
    with pytest.raises(RuleError) as first:
        Matcher.load(rules, where)
    monkeypatch.setattr(concepts, "_PARSED", {})

    def no_parse(path: Path, problems: list[object]) -> None:
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(concepts, "_load_file", no_parse)
    with pytest.raises(RuleError) as again:
        Matcher.load(rules, where)
    assert [str(p) for p in again.value.problems] == [str(p) for p in first.value.problems]
    assert any("unknown field 'sevrity'" in str(p) for p in again.value.problems)


def test_a_reload_in_the_same_process_keeps_the_concept_entries(
        rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The second load finds every concept file in memory; the cache file must keep them for
    # the next process all the same.
    from monitor.rules import concepts

    where = tmp_path / "cache"
    first = Matcher.load(rules, where)
    Matcher.load(rules, where)
    monkeypatch.setattr(concepts, "_PARSED", {})

    def no_parse(path: Path, problems: list[object]) -> None:
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(concepts, "_load_file", no_parse)
    assert Matcher.load(rules, where).concepts == first.concepts
