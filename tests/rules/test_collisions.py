"""The term-collision check: every wildcard and stemmed term of the shipped concepts against the
50,000 most frequent words of its language; a catch nobody reviewed fails, naming term and
words. Needs wordfreq (the test extra): without it, outside CI, these tests skip and say so."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from monitor.errors import RuleProblem
from monitor.rules.collisions import (
    REVIEW_DIR,
    Vocabulary,
    accept,
    advice,
    find,
    load_reviewed,
    unreviewed,
)
from monitor.rules.concepts import ConceptDef, load_concepts
from tests.conftest import RULES, run_in_process

if os.environ.get("CI") != "true":
    pytest.importorskip("wordfreq", reason="the collision check needs wordfreq: "
                        "pip install -e '.[test]' (under CI=true it is required)")


@pytest.fixture(scope="module")
def vocabulary() -> object:
    from monitor.cli.rulestools import vocabularies

    return vocabularies()


def _concepts(directory: Path) -> dict[str, ConceptDef]:
    problems: list[RuleProblem] = []
    concepts = load_concepts(directory, problems)
    assert not problems, problems
    return concepts


@pytest.mark.slow
def test_every_catch_of_the_shipped_concepts_is_reviewed(vocabulary: object) -> None:
    failures = []
    concepts = _concepts(RULES / "concepts")
    assert len(concepts) >= 10
    for concept in concepts.values():
        reviewed = load_reviewed(RULES / "concepts", concept.id)
        new = [(c, fresh) for c in find([concept], vocabulary)  # type: ignore[arg-type]
               if (fresh := unreviewed(c, reviewed))]
        if new:
            failures.append(advice(concept.id, new))
    assert not failures, "\n\n".join(failures)


def _demo_rules(tmp_path: Path, terms: str) -> Path:
    root = tmp_path / "rules"
    (root / "concepts").mkdir(parents=True)
    (root / "concepts" / "demo.yaml").write_text(f"id: demo\nterms:\n{terms}", encoding="utf-8")
    (root / "demo.yaml").write_text("id: demo\nname: Demo\nquery: '@demo'\n", encoding="utf-8")
    return root


def test_a_new_colliding_term_fails_and_says_which_words_it_caught(tmp_path: Path,
                                                                   vocabulary: object) -> None:
    root = _demo_rules(tmp_path, "  pt: [liga*, '\"ligados\"', \"futebol\"]\n")
    concept = _concepts(root / "concepts")["demo"]
    catches = find([concept], vocabulary)  # type: ignore[arg-type]
    # Quoted words and phrases catch only themselves; the wildcard catches the verb "ligar".
    assert {c.term for c in catches} <= {"liga*", "futebol"}
    liga = next(c for c in catches if c.term == "liga*")
    assert "ligados" in liga.words and "ligas" in liga.words and "liga" not in liga.words
    message = advice("demo", [(liga, unreviewed(liga, load_reviewed(root / "concepts", "demo")))])
    assert "'liga*' catches" in message and "ligados" in message
    assert f"{REVIEW_DIR}/demo.yaml" in message and "quote it" in message


def test_reviewed_catches_pass_and_a_later_term_fails(tmp_path: Path,
                                                      vocabulary: object) -> None:
    root = _demo_rules(tmp_path, "  en: [embass*]\n")
    concepts = root / "concepts"
    first = find([_concepts(concepts)["demo"]], vocabulary)  # type: ignore[arg-type]
    assert accept(concepts, "demo", first, ["en"]) == sum(len(c.words) for c in first) > 0
    reviewed = load_reviewed(concepts, "demo")
    assert all(not unreviewed(c, reviewed) for c in first)
    # Another engineer adds a term after the review: its catches are new, the old ones are not.
    (concepts / "demo.yaml").write_text("id: demo\nterms:\n  en: [embass*, protest*]\n",
                                        encoding="utf-8")
    later = find([_concepts(concepts)["demo"]], vocabulary)  # type: ignore[arg-type]
    new = {c.term: unreviewed(c, reviewed) for c in later if unreviewed(c, reviewed)}
    assert list(new) == ["protest*"] and "protestant" in new["protest*"]
    # Once the first term goes, accepting the current state drops its stale entry.
    (concepts / "demo.yaml").write_text("id: demo\nterms:\n  en: [protest*]\n", encoding="utf-8")
    accept(concepts, "demo", find([_concepts(concepts)["demo"]], vocabulary),  # type: ignore[arg-type]
           ["en"])
    assert list(load_reviewed(concepts, "demo")["intended"]["en"]) == ["protest*"]


def test_excluded_words_count_as_reviewed(tmp_path: Path, vocabulary: object) -> None:
    root = _demo_rules(tmp_path, "  en: [protest*]\n")
    (root / "concepts" / REVIEW_DIR).mkdir()
    (root / "concepts" / REVIEW_DIR / "demo.yaml").write_text(
        "intended: {en: {'protest*': [protests, protesters, protested, protesting, protester,"
        " protestors]}}\nexcluded: {en: {'protest*': {why: Protestants, words: [protestant,"
        " protestants, protestantism]}}}\n", encoding="utf-8")
    catch = find([_concepts(root / "concepts")["demo"]], vocabulary)[0]  # type: ignore[arg-type]
    assert unreviewed(catch, load_reviewed(root / "concepts", "demo")) == ()


def test_the_command_lists_new_catches_and_exits_1(tmp_path: Path) -> None:
    root = _demo_rules(tmp_path, "  pt: [liga*]\n")
    env = {"PATH": os.environ.get("PATH", "")}
    result = run_in_process(["rules", "collisions", str(root)], env, tmp_path, None)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'liga*' catches" in result.stdout and "ligados" in result.stdout
    shutil.copytree(RULES, tmp_path / "shipped")
    ok = run_in_process(["rules", "collisions", str(tmp_path / "shipped"), "--concept",
                         "sanctions", "--language", "pt"], env, tmp_path, None)
    assert ok.returncode == 0 and "reviewed" in ok.stdout, ok.stdout + ok.stderr


def test_vocabulary_folds_like_the_matcher() -> None:
    # Accents fold in French (médiat* catches médiatique), not in Turkish (ş stays ş).
    fr = Vocabulary("fr", ["médiatique", "médiation", "pays", "médiat"])
    assert fr.catches("médiat*") == ("médiatique", "médiation")
    tr = Vocabulary("tr", ["şampiyon", "sampiyon"])
    assert tr.catches("şam*") == ("şampiyon",)


def test_a_korean_term_quoted_or_not_is_a_run_found_inside_longer_words(
        tmp_path: Path, vocabulary: object) -> None:
    # Hangul syllables are tokens: quoting "인도" does not keep it out of 인도주의.
    ko = Vocabulary("ko", ["인도", "인도주의", "무인도", "중국"])
    assert ko.catches('"인도"') == ("인도주의", "무인도") == ko.catches("인도")
    root = _demo_rules(tmp_path, "  ko: ['\"인도\"', \"인도 정부\"]\n")
    catches = find([_concepts(root / "concepts")["demo"]], vocabulary)  # type: ignore[arg-type]
    assert [c.term for c in catches] == ['"인도"'] and "인도주의" in catches[0].words
