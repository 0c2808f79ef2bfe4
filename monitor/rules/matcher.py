"""The compiled rule set: article in, matches with their evidence out.

Rules are compiled per language on first use into an index: stems map to the rules that need
them (a dict) and wildcard prefixes are found with one Aho-Corasick pass over the article's
distinct words. An article is analysed once and only the candidate rules are evaluated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import ahocorasick  # type: ignore[import-not-found]

from monitor.errors import MatchBudgetExceeded, RuleProblem
from monitor.models import Article, Evidence, Match
from monitor.rules.analysis import Analyzer, Analyzers, normalise
from monitor.rules.compiler import (
    EXACT,
    PREFIX,
    TERM,
    Compiler,
    Document,
    Hit,
    Leaf,
    Program,
)
from monitor.rules.concepts import LANGUAGE_FALLBACK, ConceptDef
from monitor.rules.evidence import build_evidence, one_term_in_order, ordered, snippet, stretches
from monitor.rules.files import Rule, load_rule_files
from monitor.rules.language import detect_language
from monitor.rules.lexicon import Lexicon, rules_of
from monitor.rules.rulecache import ConceptCache, RuleCache
from monitor.rules.syntax import Node, parse

_TITLE_FACTOR = 2.0  # a term in the title says more about the article than one in the body
# Evidence listed per match: the first stretches of text that hit (the score counts them all).
MAX_EVIDENCE = 100

log = logging.getLogger("monitor.rules.matcher")


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    query: Program | None
    weights: tuple[tuple[Program, float], ...]


class _LanguageIndex:
    """Every enabled rule that applies to one language, compiled with its analyzer."""

    def __init__(self, compiled: list[_Compiled], analyzer: Analyzer,
                 leaves: Iterable[Leaf]) -> None:
        """``leaves``: every distinct leaf of ``compiled`` (the compiler interned them)."""
        self.compiled = compiled
        self.always: list[int] = []
        terms: dict[str, list[int]] = {}
        exact: dict[str, list[int]] = {}
        prefix_rules: dict[str, list[int]] = {}
        named: dict[int, set[str]] = {TERM: set(), EXACT: set(), PREFIX: set()}
        for leaf in leaves:
            for key, mode in leaf.parts or ((leaf.key, leaf.kind),):
                named[mode].add(key)
        for i, c in enumerate(compiled):
            triggers = _rule_triggers(c)
            if triggers is None:
                self.always.append(i)
                continue
            tables = {PREFIX: prefix_rules, EXACT: exact, TERM: terms}
            for kind, key in triggers:
                tables[kind].setdefault(key, []).append(i)
        automaton: ahocorasick.Automaton | None = None
        if named[PREFIX]:
            # Keys start with a separator so that they only match at the start of a word.
            automaton = ahocorasick.Automaton()
            for p in named[PREFIX]:
                automaton.add_word("\x00" + p, (p, tuple(prefix_rules.get(p, ()))))
            automaton.make_automaton()
        self.lexicon = Lexicon(analyzer.keys, terms, exact, automaton,
                               (named[TERM], named[EXACT]))

    def candidates(self, doc: Document) -> list[int]:
        """Indexes of the rules ``doc`` may match: those whose trigger words it contains."""
        found: set[int] = set(self.always)
        found.update(*filter(None, map(rules_of, doc.entries)))
        return sorted(found)


def _rule_triggers(c: _Compiled) -> frozenset[tuple[int, str]] | None:
    if c.query is not None and (got := c.query.triggers()) is not None:
        return got
    out: set[tuple[int, str]] = set()
    for program, _w in c.weights:
        got = program.triggers()
        if got is None:
            return None
        out |= got
    return frozenset(out) if c.weights else None


def _language_of(article: Article) -> str | None:
    if article.language:
        return article.language.strip().lower().replace("_", "-").split("-")[0] or None
    return detect_language(f"{article.title}\n{article.body}")


class Matcher:
    """Rules compiled once, matched against many articles (thread-safe)."""

    def __init__(self, rules: tuple[Rule, ...], version: str,
                 concepts: dict[str, ConceptDef] | None = None,
                 warnings: tuple[RuleProblem, ...] = ()) -> None:
        self.rules = tuple(rules)  # all rules, disabled ones included (``rule.enabled``)
        self.warnings = warnings  # located, like problems: the rules load all the same
        self.version = version
        self.concepts = dict(concepts or {})
        self._asts: list[tuple[Rule, Node | None]] = [
            (r, r.ast if r.ast is not None or not r.query else parse(r.query))
            for r in self.rules if r.enabled]
        self._analyzers = Analyzers()
        self._indexes: dict[str, _LanguageIndex] = {}
        self._lock = threading.Lock()
        self.overruns = 0  # articles whose matching ran out of budget (docs/rules.md, "Limits")

    @classmethod
    def load(cls, directory: Path, cache: Path | None = None,
             concepts: Path | None = None) -> Matcher:
        """Load and compile the rules of ``directory``; raise RuleError with every problem.

        ``cache``: the directory of parsed rule files (monitor.rules.rulecache), if any;
        ``concepts``: the concepts' directory, when not ``directory/concepts``."""
        opened = None if cache is None else partial(RuleCache.open, cache, directory)
        parsed = None if cache is None else ConceptCache.open(
            cache, directory / "concepts" if concepts is None else concepts)
        try:
            files = load_rule_files(directory, opened, concepts, parsed)
        finally:
            if parsed is not None:
                parsed.save()
        return cls(files.rules, files.version, files.concepts, files.warnings)

    def index(self, language: str | None) -> _LanguageIndex:
        """The compiled index of ``language`` (built on first use)."""
        key = language or ""
        got = self._indexes.get(key)
        if got is not None:
            return got
        with self._lock:
            got = self._indexes.get(key)
            if got is None:
                got = self._indexes[key] = self._build(language)
        return got

    def _build(self, language: str | None) -> _LanguageIndex:
        compiler = Compiler(language or "", self._analyzers.get(language), self.concepts)
        wanted = {language, LANGUAGE_FALLBACK.get(language or "")} - {None}
        compiled = []
        for rule, ast in self._asts:
            if rule.languages and not wanted & set(rule.languages):
                continue
            compiled.append(_Compiled(
                rule, compiler.compile(ast) if ast is not None else None,
                tuple((compiler.compile(w.ast), w.weight) for w in rule.weights)))
        return _LanguageIndex(compiled, self._analyzers.get(language), compiler.interned)

    def match(self, article: Article) -> list[Match]:
        """Every enabled rule that matches ``article``, with evidence, in rule order."""
        language = _language_of(article)
        index = self.index(language)
        doc = Document(article.title, article.body, index.lexicon)
        labels = {str(article.source_id), *article.source_labels}
        judged: list[tuple[_Compiled, float, list[Hit]]] = []
        if doc.clipped:
            with self._lock:
                self.overruns += 1
            log.warning("rules.match.budget", extra={
                "article": article.url or article.id or article.title[:80], "clipped": True,
                "chars": len(article.body), "matched_chars": len(doc.body)})
        for i in index.candidates(doc):
            c = index.compiled[i]
            if c.rule.sources and labels.isdisjoint(c.rule.sources):
                continue
            try:
                found = _judge(c, doc)
            except MatchBudgetExceeded as exc:
                # The rules evaluated so far stand; this one and the rest are not evaluated.
                with self._lock:
                    self.overruns += 1
                log.warning("rules.match.budget", extra={
                    "rule": c.rule.id, "article": article.url or article.id or article.title[:80],
                    "steps": exc.work, "words": len(doc.words)})
                break
            if found is not None:
                judged.append(found)
        # Evidence once every match is known: how many tokens it places decides how.
        doc.will_locate({h[0] for _c, _s, hits in judged for h in hits})
        return [match_of(c.rule, score, build_evidence(doc, hits)) for c, score, hits in judged]


def match_of(rule: Rule, score: float, evidence: tuple[Evidence, ...]) -> Match:
    """``Match(...)`` of ``rule``, made the way evidence_of makes evidence (a third of the
    cost of the frozen dataclass's ``__init__``, for every match of every article)."""
    made: Match = object.__new__(Match)
    object.__setattr__(made, "__dict__", {
        "rule_id": rule.id, "rule_name": rule.name, "score": score, "evidence": evidence,
        "severity": rule.severity, "notify": rule.notify})
    return made


def _judge(c: _Compiled, doc: Document) -> tuple[_Compiled, float, list[Hit]] | None:
    """Whether one rule matches ``doc``: its score and the hits to report, in order."""
    rule = c.rule
    hits: list[Hit] = []
    if c.query is not None:
        got = c.query.run(doc)
        if got is None:
            return None
        # Most matches have one hit, or the hits of one word in text order: their stretches,
        # order and score need no sorting. (The first hit is the earliest, so the title's if
        # any: a non-negative weight scores it as _score would.)
        if not c.weights and (len(got) == 1 or (len(got) > 1 and one_term_in_order(got)
                                                and got[0][2].weight >= 0)):
            start, _end, leaf = got[0]
            score = leaf.weight * (_TITLE_FACTOR if start < doc.body_start else 1.0)
            return None if score < rule.min_score else (c, score, got[:MAX_EVIDENCE])
        hits = got  # a fresh list from the program: extended below, never shared
    if c.weights:
        score = 0.0
        for program, weight in c.weights:
            got = program.run(doc)
            if got is not None:
                score += weight
                if weight > 0:  # a negative weight counts against; its words are no evidence
                    hits.extend(got)
        if rule.threshold is not None and score < rule.threshold:
            return None
        found = stretches(hits)
    else:
        found = stretches(hits)
        score = _score(found, doc.body_start)
    if not found or score < rule.min_score:
        return None
    return c, score, ordered(found)[:MAX_EVIDENCE]


def _score(found: list[Hit], body_start: int) -> float:
    if len(found) == 1:
        start, _end, leaf = found[0]
        return leaf.weight * (_TITLE_FACTOR if start < body_start else 1.0)
    best: dict[tuple[str, str | None], float] = {}
    for start, _end, leaf in found:
        value = leaf.weight * (_TITLE_FACTOR if start < body_start else 1.0)
        key = (leaf.label, leaf.concept)
        best[key] = max(best.get(key, 0.0), value)
    return sum(best.values())


def language_of(article: Article) -> str | None:
    """The language the matcher uses for ``article``: declared, else detected."""
    return _language_of(article)


__all__ = ["Matcher", "language_of", "normalise", "snippet"]
