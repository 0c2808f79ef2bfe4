"""Term collisions: the frequent words of its language that each wildcard, stemmed or
character-run term of a concept catches, and which of those catches were reviewed.

A term that catches more than it means ("liga*" → "ligados") makes false alarms in every
article that uses the word. Each concept's reviewed catches live beside the concepts, in
``intended/<concept>.yaml``: ``intended`` (the term means them) and ``excluded`` (known
collisions, left to the term's owner to fix). A catch in neither is a new collision.
Exact words and phrases of words are not looked at: they catch only themselves.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

from monitor.rules.analysis import Analyzer, words
from monitor.rules.concepts import ANY_LANGUAGE, ConceptDef

REVIEW_DIR = "intended"
# The length of the vocabulary: rare words collide too, but rarely enough not to matter.
TOP_WORDS = 50_000
# Scripts whose characters are tokens (Hangul syllables too): a term there, quoted or not, is
# a run of characters found inside longer words, so it is looked up as one.
_NO_SPACE = frozenset({"zh", "ja", "th", "ko"})
Reviewed = dict[str, dict[str, dict[str, set[str]]]]  # section → language → term → words


@dataclass(frozen=True)
class Catch:
    """The words of a language's vocabulary that one term catches, besides itself."""

    concept: str
    language: str
    term: str
    words: tuple[str, ...]


class Vocabulary:
    """A language's frequent words, indexed the way terms look them up."""

    def __init__(self, language: str, vocabulary: Iterable[str]) -> None:
        self.language = language
        self.analyzer = Analyzer(language)
        single = [w for w in dict.fromkeys(vocabulary) if len(words(w)) == 1 or
                  (language in _NO_SPACE and w.strip())]
        self._rank = {w: i for i, w in enumerate(single)}
        keys = self.analyzer.keys_many(single)
        # Character runs are looked up in one string of every folded word: str.find is C.
        self._words = single
        self._joined = "\n".join(k[0] for k in keys)
        self._starts = list(accumulate((len(k[0]) + 1 for k in keys[:-1]), initial=0))
        self.folded = sorted(zip((k[0] for k in keys), single, strict=True))
        self._folded_keys = [f for f, _w in self.folded]
        self.by_stem: dict[str, list[str]] = {}
        for (_folded, stem), word in zip(keys, single, strict=True):
            self.by_stem.setdefault(stem, []).append(word)

    def catches(self, term: str) -> tuple[str, ...]:
        """Words other than the term itself that ``term`` matches, in frequency order."""
        an = self.analyzer
        if self.language in _NO_SPACE and not term.isascii():
            return self._containing(an.folded(term.rstrip("*").strip('"')))
        if term.endswith("*"):
            prefix = an.folded(term[:-1])
            start = bisect.bisect_left(self._folded_keys, prefix)
            out = []
            for folded, word in self.folded[start:]:
                if not folded.startswith(prefix):
                    break
                if folded != prefix:
                    out.append(word)
            return self._ranked(out)
        own = an.folded(term)
        return self._ranked(w for w in self.by_stem.get(an.stem(term), ()) if an.folded(w) != own)

    def _containing(self, run: str) -> tuple[str, ...]:
        out, find, starts = [], self._joined.find, self._starts
        at = find(run)
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            if self._joined[starts[k]:starts[k] + len(run) + 1] != run + "\n":
                out.append(self._words[k])  # a longer word, not the run itself
            nxt = starts[k + 1] if k + 1 < len(starts) else len(self._joined)
            at = find(run, nxt)
        return tuple(out)

    def _ranked(self, found: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(found, key=self._rank.__getitem__))


def checked_terms(concept: ConceptDef, language: str) -> list[str]:
    """The concept's entries in ``language`` whose catches are worth a look."""
    out = []
    for entry in concept.terms.get(language, ()):
        text = entry.text
        if (text.startswith('"') and language not in _NO_SPACE) or " " in text.strip():
            continue  # an exact word or a phrase of words catches only itself
        if len(words(text.rstrip("*"))) != 1 and language not in _NO_SPACE:
            continue  # "cease-fire*" is a phrase of two words
        out.append(text)
    return out


def find(concepts: Iterable[ConceptDef], vocabulary: Callable[[str], Vocabulary | None],
         ) -> list[Catch]:
    """Every catch of every checked term, for the languages ``vocabulary`` knows."""
    out = []
    for concept in concepts:
        for language in concept.terms:
            if language == ANY_LANGUAGE:
                continue
            vocab = vocabulary(language)
            if vocab is None:
                continue
            for term in checked_terms(concept, language):
                caught = vocab.catches(term)
                if caught:
                    out.append(Catch(concept.id, language, term, caught))
    return out


def review_path(directory: Path, concept: str) -> Path:
    return directory / REVIEW_DIR / f"{concept}.yaml"


def load_reviewed(directory: Path, concept: str) -> Reviewed:
    """The reviewed catches of ``concept`` (empty sections when it has no file). An excluded
    term may be ``{why: ..., words: [...]}`` to say what is wrong with it."""
    path = review_path(directory, concept)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    out: Reviewed = {"intended": {}, "excluded": {}}
    for section, languages in out.items():
        for language, terms in ((data or {}).get(section) or {}).items():
            languages[str(language)] = {
                str(t): {str(w) for w in (ws.get("words", ()) if isinstance(ws, dict) else ws)
                         or ()}
                for t, ws in (terms or {}).items()}
    return out


def accept(directory: Path, concept: str, catches: Sequence[Catch],
           languages: Iterable[str]) -> int:
    """Make the concept's review file agree with ``catches``, the current catches in
    ``languages``: their unreviewed words become ``intended`` (after a reviewer read them), and
    entries of terms or words no longer caught are dropped from both sections (a fixed term's
    collision is gone). Other languages are left as they are. Returns the words added."""
    path = review_path(directory, concept)
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    reviewed = load_reviewed(directory, concept)
    checked = set(languages)
    now = {(c.language, c.term): set(c.words) for c in catches}
    sections: dict[str, dict[str, Any]] = {}
    for section in ("intended", "excluded"):
        kept: dict[str, Any] = {}
        for language, terms in (data.get(section) or {}).items():
            for term, entry in (terms or {}).items():
                if language in checked:
                    caught = now.get((language, term), set())
                    words = entry.get("words", []) if isinstance(entry, dict) else entry
                    words = [w for w in words or () if w in caught]
                    if not words:
                        continue
                    entry = {**entry, "words": words} if isinstance(entry, dict) else words
                kept.setdefault(language, {})[term] = entry
        sections[section] = kept
    added = 0
    for catch in catches:
        fresh = unreviewed(catch, reviewed)
        if fresh:
            sections["intended"].setdefault(catch.language, {}).setdefault(
                catch.term, []).extend(fresh)
            added += len(fresh)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(sections, allow_unicode=True, sort_keys=False, width=100,
                          default_flow_style=None)
    path.write_text(_HEADER + text, encoding="utf-8")
    return added


_HEADER = """\
# Reviewed catches of this concept's wildcard and stemmed terms among the 50,000 most frequent
# words of each language (wordfreq): `monitor rules collisions` fails on a catch listed in
# neither section. intended: the term means these words. excluded: known collisions, left to
# the term's owner to fix ({why: ..., words: [...]}); until then the concept still catches them.
# `monitor rules collisions --accept` adds the new catches to intended: read them first.
"""


def unreviewed(catch: Catch, reviewed: Reviewed) -> tuple[str, ...]:
    """The words of ``catch`` that neither section lists for its term."""
    known: set[str] = set()
    for section in reviewed.values():
        known |= section.get(catch.language, {}).get(catch.term, set())
    return tuple(w for w in catch.words if w not in known)


def excluded(catch: Catch, reviewed: Reviewed) -> tuple[str, ...]:
    listed = reviewed["excluded"].get(catch.language, {}).get(catch.term, set())
    return tuple(w for w in catch.words if w in listed)


def advice(concept: str, problems: Sequence[tuple[Catch, tuple[str, ...]]]) -> str:
    """What a failing check says: which term caught which words, and the ways out."""
    lines = [f"concept {concept!r}: terms catch frequent words nobody reviewed:"]
    for catch, new in problems:
        shown = ", ".join(new[:12]) + (f", ... ({len(new)} words)" if len(new) > 12 else "")
        lines.append(f"  {catch.language}: {catch.term!r} catches {shown}")
    lines += [
        "Fix the term in its concept file: quote it ('\"word\"') to match that word only,",
        "lengthen the wildcard, or list the forms it means one by one. If the words are meant,",
        f"add them under 'intended' in {REVIEW_DIR}/{concept}.yaml beside the concept files",
        "(`monitor rules collisions --concept ID` prints them); known collisions left to the",
        "term's owner go under 'excluded'.",
    ]
    return "\n".join(lines)
