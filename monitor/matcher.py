"""The compiled rule set: article in, matches with their evidence out.

This first engine reads a query as alternatives (``term OR "a phrase" OR prefix*``); an article
matches a rule when any alternative occurs in its title or body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import RuleError, RuleProblem
from monitor.models import Article, Evidence, Match
from monitor.rules import Rule, load_rule_files
from monitor.text import detect_language, normalise, tokens

_ALT = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class _Pattern:
    words: tuple[str, ...]
    prefix: bool  # last word is a prefix (``sanksi*``)
    source: str


def _compile(rule: Rule) -> list[_Pattern]:
    patterns: list[_Pattern] = []
    for m in _ALT.finditer(rule.query):
        phrase, word = m.group(1), m.group(2)
        if word == "OR":
            continue
        raw = phrase if phrase is not None else word
        prefix = raw.endswith("*")
        words = tuple(t for t, _s, _e in tokens(raw.rstrip("*")))
        if not words:
            raise RuleError([RuleProblem(rule.file, rule.query_line, rule.query_column,
                                         f"rule {rule.id!r}: empty term {raw!r}")])
        patterns.append(_Pattern(words, prefix, raw))
    return patterns


def snippet(text: str, start: int, end: int, width: int = 60) -> str:
    """The hit in its context, marked with « », trimmed to about ``width`` chars each side."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    pre = ("…" if left else "") + text[left:start]
    post = text[end:right] + ("…" if right < len(text) else "")
    return " ".join(f"{pre}«{text[start:end]}»{post}".split())


class Matcher:
    """Rules compiled once, matched against many articles."""

    def __init__(self, rules: tuple[Rule, ...], version: str) -> None:
        self.rules = tuple(r for r in rules if r.enabled)
        self.version = version
        self._compiled = [(r, _compile(r)) for r in self.rules]

    @classmethod
    def load(cls, directory: Path) -> Matcher:
        files = load_rule_files(directory)
        return cls(files.rules, files.version)

    def match(self, article: Article) -> list[Match]:
        language = article.language or detect_language(f"{article.title}\n{article.body}")
        fields = {"title": article.title, "body": article.body}
        toks = {name: tokens(text) for name, text in fields.items()}
        out: list[Match] = []
        for rule, patterns in self._compiled:
            if rule.languages and language not in rule.languages:
                continue
            evidence: list[Evidence] = []
            for pattern in patterns:
                for name, words in toks.items():
                    evidence.extend(_find(pattern, name, fields[name], words))
            if evidence:
                out.append(Match(rule.id, rule.name, float(len(evidence)), tuple(evidence),
                                 rule.severity, rule.notify))
        return out


def _find(p: _Pattern, name: str, text: str, words: list[tuple[str, int, int]]) -> list[Evidence]:
    hits: list[Evidence] = []
    n = len(p.words)
    for i in range(len(words) - n + 1):
        ok = all(words[i + k][0] == p.words[k] for k in range(n - 1))
        last = words[i + n - 1][0]
        ok = ok and (last.startswith(p.words[-1]) if p.prefix else last == p.words[-1])
        if ok:
            start, end = words[i][1], words[i + n - 1][2]
            hits.append(Evidence(p.source, name, start, end, text[start:end],
                                 snippet(text, start, end)))
    return hits


def language_of(article: Article) -> str | None:
    return article.language or detect_language(f"{article.title}\n{article.body}")


__all__ = ["Matcher", "language_of", "normalise", "snippet"]
