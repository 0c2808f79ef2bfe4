"""Concept files are parsed once per content: an unchanged file gives the kept outcome, an
edited one (same path) is parsed again, problems included; candidate rules read the rule
directory's concepts where they are, so they share its parsed files."""

from __future__ import annotations

from pathlib import Path

from monitor.errors import RuleProblem
from monitor.models import Article
from monitor.rules.candidate import candidate_matcher, rule_text
from monitor.rules.concepts import load_concepts


def test_an_edited_concept_file_is_read_again_and_an_unchanged_one_kept(tmp_path: Path) -> None:
    path = tmp_path / "talks.yaml"
    path.write_text("id: talks\nterms:\n  en: [talks]\n", encoding="utf-8")
    first = load_concepts(tmp_path, [])
    assert load_concepts(tmp_path, [])["talks"] is first["talks"]  # kept, not parsed again
    path.write_text("id: talks\nterms:\n  en: [talks, summit]\n", encoding="utf-8")
    assert [t.text for t in load_concepts(tmp_path, [])["talks"].terms["en"]] == [
        "talks", "summit"]
    path.write_text("id: talks\nterms:\n  en: [talks]\nsevrity: 1\n", encoding="utf-8")
    problems: list[RuleProblem] = []
    load_concepts(tmp_path, problems)
    again: list[RuleProblem] = []
    load_concepts(tmp_path, again)  # the kept outcome still reports its problems
    assert [p.message for p in problems] == [p.message for p in again] == [
        "unknown field 'sevrity'"]


def test_candidates_share_the_rule_directorys_parsed_concepts(tmp_path: Path) -> None:
    # A rule evaluator tests candidate after candidate: each must not parse the concept
    # lists again (about half a second for the shipped ones).
    concepts = tmp_path / "concepts"
    concepts.mkdir()
    (concepts / "talks.yaml").write_text("id: talks\nterms:\n  en: [talks, summit]\n",
                                         encoding="utf-8")
    first = candidate_matcher(tmp_path, rule_text(query="@talks AND iran"))
    second = candidate_matcher(tmp_path, rule_text(query="@talks AND russia"))
    assert first.concepts["talks"] is second.concepts["talks"]
    assert second.match(Article(url="https://example.org/1", title="Russia talks",
                                body="Talks with Russia resumed.", language="en"))
