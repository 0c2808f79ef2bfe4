"""The analysed article: one ``Document`` per article and language, with the positions of the
words that rules name, and the ``Leaf`` (term, prefix or phrase) that is looked up in it.

Positions of the named words are found in one pass (monitor.rules.positions) and shared
by every rule evaluated on the article; character offsets and sentences only for the few tokens
that hit.

Matching is bounded (docs/rules.md, "Limits"): it reads the first ``MAX_BODY_CHARS`` of a body
and ``MAX_TITLE_CHARS`` of a title (cut at a space), each leaf keeps at most ``MAX_HITS_PER_LEAF``
occurrences (the first ones), and the programs charge every hit they handle to the document's
budget of ``MAX_WORK`` steps; past it, ``charge`` raises MatchBudgetExceeded and the matcher
keeps what it had found.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import partial

from monitor.errors import MatchBudgetExceeded
from monitor.models import Evidence
from monitor.rules.analysis import sentence_ends, separated, starts, token_starts, words
from monitor.rules.lexicon import Lexicon, folded_of, prefix_table, stem_of
from monitor.rules.positions import Occurrences, by_key

TERM, PREFIX, EXACT, PHRASE = 0, 1, 2, 3  # EXACT: the folded word itself, not its stem
Trigger = tuple[int, str]  # (TERM, stem), (EXACT, folded word) or (PREFIX, folded prefix)
Span = tuple[int, int]  # token positions [start, end) in the document's token sequence
SENTINEL = "\x00"  # separates title and body tokens so phrases never span the two fields
# About 75,000 words (a long live blog or transcript is 20,000): matched in under a second.
MAX_BODY_CHARS = 500_000
MAX_TITLE_CHARS = 10_000
# A word that occurs 1,000 times has said what it can: later occurrences are not looked at.
MAX_HITS_PER_LEAF = 1_000
# Steps (hits handled by the programs) per article for all rules: well under a second.
MAX_WORK = 1_000_000
_FEW = 64  # sentences of more hits than this are looked up in a table of every token
# Body words located one by one (a str.find pass each) before the offsets of every token are
# computed at once: a broad rule set cites ~80 words of an article, a selective one ~10.
_FIND_WORDS = 16


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
    # The far side of a NEAR/SENT (who, where): its evidence is listed after the topic's.
    context: bool = False
    # A concept entry's party (a state's code): two names of one party are one side.
    party: str | None = None

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
Quote = tuple[str, int, int, str, str]  # field, character offsets, the words, the snippet


def clip(text: str, limit: int) -> str:
    """``text`` up to ``limit`` characters, cut at a space so that no word is cut in two."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", limit // 2, limit + 1)
    return text[:space if space > 0 else limit]


class Document:
    """One article analysed for one language: tokens of title, a sentinel, then body."""

    def __init__(self, title: str, body: str, lexicon: Lexicon) -> None:
        self.clipped = len(title) > MAX_TITLE_CHARS or len(body) > MAX_BODY_CHARS
        self.title, self.body = clip(title, MAX_TITLE_CHARS), clip(body, MAX_BODY_CHARS)
        title, body = self.title, self.body
        title_words = words(title)
        self.body_start = len(title_words) + 1
        self.words = [*title_words, SENTINEL, *words(body)]
        # Work on distinct words: an 800-word article has about 400, each looked up once in
        # the index's lexicon; from then on only the few that some rule names count.
        distinct, self.entries = lexicon.named(set(self.words))
        self._distinct = distinct
        occurrences = self._occurrences = Occurrences(self.words, distinct)
        self._stems = list(map(stem_of, self.entries))
        self._folded = list(map(folded_of, self.entries))
        # Present stem (folded word) → its positions: one lookup answers whether a rule's word
        # is there and where. Built now: an article with named words has candidate rules.
        self.stem_at = by_key(distinct, self._stems, occurrences) if distinct else {}
        self.folded_at = by_key(distinct, self._folded, occurrences) if distinct else {}
        self._stem_of: dict[str, str] | None = None
        self._folded_of: dict[str, str] | None = None
        self._prefix_tokens: dict[str, list[str]] | None = None
        self._sentence_ends: list[int] | None = None
        self._token_sentence: list[int] | None = None
        self._title_starts: list[int] | None = None
        self._body_starts: list[int] | None = None
        self._found_words = 0  # body words located with str.find (char_span)
        self._separated: dict[bool, str | None] = {}
        self._starts: dict[tuple[bool, str], list[int]] = {}
        self.memo: dict[tuple[int, str, tuple[tuple[str, int], ...]], list[Span]] = {}
        # Span → (field, start, end, text, snippet): many rules of a broad set cite one hit.
        self.quotes: dict[Span, Quote] = {}
        self.cited: dict[tuple[int, int, int], Evidence] = {}  # (start, end, id(leaf))
        self.work, self.budget = 0, MAX_WORK

    def charge(self, steps: int) -> None:
        """Count ``steps`` of evaluation; past the budget, stop matching this article."""
        self.work += steps
        if self.work > self.budget:
            raise MatchBudgetExceeded(self.work, self.budget)

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
        return self.stem_at.get(stem, [])

    def folded_positions(self, word: str) -> list[int]:
        return self.folded_at.get(word, [])

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
        # Only the first MAX_HITS_PER_LEAF count: no need to sort the others.
        got = sorted(i for t in toks for i in self.folded_positions(t)[:MAX_HITS_PER_LEAF])
        return got[:MAX_HITS_PER_LEAF]

    def sentences(self, positions: list[int]) -> list[int]:
        """Sentence number of each token: the title is sentence 0, body sentences count from 1.

        A few positions are placed one by one (their offsets only); many, with a table of
        every body token's sentence, built once in C-level passes.
        """
        if self._sentence_ends is None:
            self._sentence_ends = sentence_ends(self.body)
        ends, start = self._sentence_ends, self.body_start
        if self._token_sentence is None and len(positions) > _FEW:
            self._token_sentence = list(map(partial(bisect.bisect_right, ends),
                                            self.body_starts()))
        table = self._token_sentence
        if table is not None:
            return [0 if p < start else 1 + table[p - start] for p in positions]
        return [0 if p < start else 1 + bisect.bisect_right(ends, self.char_span(p)[0])
                for p in positions]

    def body_starts(self) -> list[int]:
        if self._body_starts is None:
            # One pass in C, and only for articles that match something.
            self._body_starts = starts(self.body)
        return self._body_starts

    def will_locate(self, positions: set[int]) -> None:
        """Say which tokens evidence is about to place: past a few in the body, the offsets of
        every token are computed at once rather than found word by word."""
        if self._body_starts is None and len(positions) > _FIND_WORDS:
            body = self.body_start
            if sum(p >= body for p in positions) > _FIND_WORDS:
                self.body_starts()

    def char_range(self, start: int, end: int) -> Span:
        """Character offsets of the tokens [start, end) in their field's text."""
        body = self.body_start
        table = self._body_starts
        if table is not None and start >= body:
            # Most hits of an article with many: the offsets of every body token are known.
            last = end - 1
            return table[start - body], table[last - body] + len(self.words[last])
        a, b = self.char_span(start)
        if end - start > 1:
            b = self.char_span(end - 1)[1]
        return a, b

    def char_span(self, position: int) -> Span:
        """Character offsets of a token in its field's text."""
        in_title = position < self.body_start
        if not in_title:
            table = self._body_starts
            if table is None and self._found_words >= _FIND_WORDS:
                table = self.body_starts()
            if table is not None:
                at = table[position - self.body_start]
                return at, at + len(self.words[position])
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
            titled = bisect.bisect_left(seen, self.body_start)  # its occurrences in the title
            if not in_title:
                k -= titled
            found = self._starts.get((in_title, word))
            if found is None:
                found = self._starts[(in_title, word)] = token_starts(
                    text, word, titled if in_title else len(seen) - titled)
                self._found_words += not in_title
            return found[k], found[k] + len(word)
        if in_title:
            if self._title_starts is None:
                self._title_starts = starts(self.title)
            at = self._title_starts[position]
        else:
            at = self.body_starts()[position - self.body_start]
        return at, at + len(self.words[position])

    def find(self, leaf: Leaf) -> list[Span]:
        """Token spans where ``leaf`` occurs (memoised per document; field not applied)."""
        key = (leaf.kind, leaf.key, leaf.parts)
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self._find(leaf)
        return got

    def _find(self, leaf: Leaf) -> list[Span]:
        if leaf.kind != PHRASE:
            return [(i, i + 1) for i in self.positions(leaf.key, leaf.kind)[:MAX_HITS_PER_LEAF]]
        first, first_mode = leaf.parts[0]
        n, out = len(leaf.parts), []
        toks, stem_of, folded_of, size = self.words, self.stem_of, self.folded_of, len(self.words)
        starts = self.positions(first, first_mode)
        self.charge(min(len(starts), MAX_HITS_PER_LEAF))
        for i in starts[:MAX_HITS_PER_LEAF]:
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
