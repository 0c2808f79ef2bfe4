"""The analysed article: one ``Document`` per article and language, with the positions of the
words that rules name, and the ``Leaf`` (term, prefix or phrase) that is looked up in it.

Positions of stems and prefixes are computed on first use (monitor.rules.positions) and shared
by every rule evaluated on the article; character offsets and sentences only for the few tokens
that hit.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import compress
from typing import cast

from monitor.rules.analysis import sentence_ends, separated, spans, token_starts, words
from monitor.rules.lexicon import Known, Lexicon, folded_of, prefix_table, stem_of
from monitor.rules.positions import Occurrences, Positions

TERM, PREFIX, EXACT, PHRASE = 0, 1, 2, 3  # EXACT: the folded word itself, not its stem
Trigger = tuple[int, str]  # (TERM, stem), (EXACT, folded word) or (PREFIX, folded prefix)
Span = tuple[int, int]  # token positions [start, end) in the document's token sequence
SENTINEL = "\x00"  # separates title and body tokens so phrases never span the two fields


@dataclass(frozen=True)
class Leaf:
    """A term, prefix or phrase, normalised for one language, with what to report on a hit."""

    kind: int
    key: str  # stem (TERM), folded prefix (PREFIX) or word (EXACT), "" for PHRASE
    parts: tuple[tuple[str, int], ...]  # PHRASE: (key, TERM | PREFIX | EXACT) per word
    label: str  # as the rule or concept wrote it
    concept: str | None
    weight: float
    field: str | None  # None: title or body

    def trigger(self) -> Trigger:
        if self.kind != PHRASE:
            return (self.kind, self.key)
        # Any word of a phrase must occur; the longest whole word is probably the rarest.
        whole = [(k, mode) for k, mode in self.parts if mode != PREFIX]
        if whole:
            key, mode = max(whole, key=lambda p: len(p[0]))
            return (mode, key)
        return (PREFIX, max((k for k, _ in self.parts), key=len))


Hit = tuple[int, int, Leaf]


class Document:
    """One article analysed for one language: tokens of title, a sentinel, then body."""

    def __init__(self, title: str, body: str, lexicon: Lexicon) -> None:
        self.title, self.body = title, body
        title_words = words(title)
        self.body_start = len(title_words) + 1
        self.words = [*title_words, SENTINEL, *words(body)]
        # Work on distinct words: an 800-word article has about 400, each looked up once in
        # the index's lexicon; from then on only the few that some rule names count.
        distinct = list(set(self.words))
        entries = lexicon.entries(distinct)
        self.entries = cast("list[Known]", list(filter(None, entries)))
        distinct = self._distinct = list(compress(distinct, entries))
        occurrences = self._occurrences = Occurrences(self.words, distinct)
        self._stems = list(map(stem_of, self.entries))
        self._folded = list(map(folded_of, self.entries))
        self._stem_pos = Positions(distinct, self._stems, occurrences)
        self._folded_pos = Positions(distinct, self._folded, occurrences)
        self.distinct_stems = self._stem_pos.present
        self.distinct_folded = self._folded_pos.present
        self._stem_of: dict[str, str] | None = None
        self._folded_of: dict[str, str] | None = None
        self._prefix_tokens: dict[str, list[str]] | None = None
        self._sentence_ends: list[int] | None = None
        self._title_spans: list[Span] | None = None
        self._body_spans: list[Span] | None = None
        self._separated: dict[bool, str | None] = {}
        self._starts: dict[tuple[bool, str], list[int]] = {}
        self.memo: dict[tuple[int, str, tuple[tuple[str, int], ...]], list[Span]] = {}

    @property
    def stem_of(self) -> dict[str, str]:
        """Raw word → stem, for the article's words that rules name (phrases need it)."""
        if self._stem_of is None:
            self._stem_of = dict(zip(self._distinct, self._stems, strict=True))
        return self._stem_of

    @property
    def folded_of(self) -> dict[str, str]:
        """Raw word → folded form, for the article's words that rules name."""
        if self._folded_of is None:
            self._folded_of = dict(zip(self._distinct, self._folded, strict=True))
        return self._folded_of

    def prefix_tokens(self) -> dict[str, list[str]]:
        """Prefix → the distinct folded tokens of the article that start with it."""
        if self._prefix_tokens is None:
            self._prefix_tokens = prefix_table(self.entries)
        return self._prefix_tokens

    def stem_positions(self, stem: str) -> list[int]:
        return self._stem_pos.get(stem)

    def folded_positions(self, word: str) -> list[int]:
        return self._folded_pos.get(word)

    def positions(self, key: str, mode: int) -> list[int]:
        if mode == TERM:
            return self.stem_positions(key)
        if mode == EXACT:
            return self.folded_positions(key)
        return self.prefix_positions(key)

    def prefix_positions(self, prefix: str) -> list[int]:
        toks = self.prefix_tokens().get(prefix, ())
        if len(toks) == 1:
            return self.folded_positions(toks[0])
        return sorted(i for t in toks for i in self.folded_positions(t))

    def sentence(self, position: int) -> int:
        """Sentence number of a token: the title is sentence 0, body sentences count from 1."""
        if position < self.body_start:
            return 0
        if self._sentence_ends is None:
            self._sentence_ends = sentence_ends(self.body)
        return 1 + bisect.bisect_right(self._sentence_ends, self.char_span(position)[0])

    def char_span(self, position: int) -> Span:
        """Character offsets of a token in its field's text."""
        in_title = position < self.body_start
        text = self._separated.get(in_title, "")
        if text == "":
            text = self._separated[in_title] = separated(self.title if in_title else self.body)
        if text is not None:
            # ASCII: the hit is the k-th occurrence of its word in the field, and the offsets
            # of that word's occurrences are found with str.find (the common case is a few
            # hits per article: no need for the offsets of all ~800 tokens).
            word = self.words[position]
            seen = self._occurrences.of(word)
            k = bisect.bisect_left(seen, position)
            if not in_title:
                k -= bisect.bisect_left(seen, self.body_start)
            starts = self._starts.get((in_title, word))
            if starts is None:
                starts = self._starts[(in_title, word)] = token_starts(text, word)
            return starts[k], starts[k] + len(word)
        if in_title:
            if self._title_spans is None:
                self._title_spans = spans(self.title)
            return self._title_spans[position]
        if self._body_spans is None:
            # One pass in C, and only for articles that match something.
            self._body_spans = spans(self.body)
        return self._body_spans[position - self.body_start]

    def find(self, leaf: Leaf) -> list[Span]:
        """Token spans where ``leaf`` occurs (memoised per document; field not applied)."""
        key = (leaf.kind, leaf.key, leaf.parts)
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self._find(leaf)
        return got

    def _find(self, leaf: Leaf) -> list[Span]:
        if leaf.kind != PHRASE:
            return [(i, i + 1) for i in self.positions(leaf.key, leaf.kind)]
        first, first_mode = leaf.parts[0]
        n, out = len(leaf.parts), []
        toks, stem_of, folded_of, size = self.words, self.stem_of, self.folded_of, len(self.words)
        for i in self.positions(first, first_mode):
            if i + n > size:
                break
            for j in range(1, n):
                key, mode = leaf.parts[j]
                # A word missing from the tables is named by no rule, so it is not ``key``.
                if mode == TERM:
                    ok = stem_of.get(toks[i + j]) == key
                elif mode == EXACT:
                    ok = folded_of.get(toks[i + j]) == key
                else:
                    ok = folded_of.get(toks[i + j], "").startswith(key)
                if not ok:
                    break
            else:
                out.append((i, i + n))
        return out
