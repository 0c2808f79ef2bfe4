"""Compiled queries: the AST of a rule, for one language, turned into evaluable nodes over an
analysed article, plus the index keys ("triggers") that any match must contain.

An article is analysed once (``Document``); positions of stems and prefixes are computed on
first use (monitor.rules.positions) and shared by every rule evaluated on it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import compress
from typing import cast

from monitor.rules import syntax as q
from monitor.rules.analysis import Analyzer, sentence_ends, separated, spans, token_starts, words
from monitor.rules.concepts import LANGUAGE_FALLBACK, ConceptDef
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

    def field_of(self, position: int) -> str:
        return "title" if position < self.body_start else "body"

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


class Program:
    """A compiled query node: ``run`` gives its hits, or None when it does not hold."""

    def run(self, doc: Document) -> list[Hit] | None:
        raise NotImplementedError

    def triggers(self) -> frozenset[Trigger] | None:
        """Keys of which every match contains one; None when no such set exists."""
        raise NotImplementedError


class LeafProgram(Program):
    def __init__(self, leaf: Leaf) -> None:
        self.leaf = leaf

    def run(self, doc: Document) -> list[Hit] | None:
        leaf = self.leaf
        # Most leaves of a candidate rule are absent (the other words of an OR): answer with
        # one set lookup, before building the memo key of ``find``.
        if leaf.kind == TERM:
            if leaf.key not in doc.distinct_stems:
                return None
        elif leaf.kind == EXACT and leaf.key not in doc.distinct_folded:
            return None
        found = doc.find(leaf)
        if leaf.field == "title":
            found = [s for s in found if s[0] < doc.body_start]
        elif leaf.field == "body":
            found = [s for s in found if s[0] >= doc.body_start]
        return [(s, e, leaf) for s, e in found] or None

    def triggers(self) -> frozenset[Trigger] | None:
        return frozenset((self.leaf.trigger(),))


class Const(Program):
    def __init__(self, value: bool) -> None:
        self.value = value

    def run(self, doc: Document) -> list[Hit] | None:
        return [] if self.value else None

    def triggers(self) -> frozenset[Trigger] | None:
        return None if self.value else frozenset()


class NotProgram(Program):
    def __init__(self, child: Program) -> None:
        self.child = child

    def run(self, doc: Document) -> list[Hit] | None:
        return None if self.child.run(doc) is not None else []

    def triggers(self) -> frozenset[Trigger] | None:
        return None


def _cost(triggers: frozenset[Trigger]) -> float:
    return sum((3.0 + 8.0 / len(k)) if kind == PREFIX else (1.0 + 4.0 / len(k))
               for kind, k in triggers)


class AndProgram(Program):
    def __init__(self, children: list[Program]) -> None:
        self.children = children

    def run(self, doc: Document) -> list[Hit] | None:
        hits: list[Hit] = []
        for child in self.children:
            got = child.run(doc)
            if got is None:
                return None
            hits.extend(got)
        return hits

    def triggers(self) -> frozenset[Trigger] | None:
        options = [t for t in (c.triggers() for c in self.children) if t is not None]
        return min(options, key=_cost) if options else None


class OrProgram(Program):
    def __init__(self, children: list[Program]) -> None:
        self.children = children

    def run(self, doc: Document) -> list[Hit] | None:
        hits: list[Hit] | None = None
        for child in self.children:
            got = child.run(doc)
            if got is not None:
                hits = got if hits is None else hits + got
        return hits

    def triggers(self) -> frozenset[Trigger] | None:
        out: set[Trigger] = set()
        for child in self.children:
            got = child.triggers()
            if got is None:
                return None
            out |= got
        return frozenset(out)


class NearProgram(Program):
    """Both sides hit in the same field, at most ``distance`` words apart or in one sentence."""

    def __init__(self, left: Program, right: Program, distance: int | None) -> None:
        self.left, self.right, self.distance = left, right, distance

    def run(self, doc: Document) -> list[Hit] | None:
        left = self.left.run(doc)
        if left is None:
            return None
        right = self.right.run(doc)
        if right is None:
            return None
        keep: dict[tuple[int, int, int], Hit] = {}
        start = doc.body_start
        for a in left:
            for b in right:
                # Overlapping spans count ("brand ambassador" next to "ambassador"), the very
                # same span does not: ``x NEAR/3 x`` needs two occurrences.
                if (a[0] < start) != (b[0] < start) or (a[0] == b[0] and a[1] == b[1]):
                    continue
                if self.distance is None:
                    ok = doc.sentence(a[0]) == doc.sentence(b[0])
                else:
                    ok = max(a[0], b[0]) - min(a[1], b[1]) <= self.distance
                if ok:
                    keep[(a[0], a[1], id(a[2]))] = a
                    keep[(b[0], b[1], id(b[2]))] = b
        return list(keep.values()) or None

    def triggers(self) -> frozenset[Trigger] | None:
        return AndProgram([self.left, self.right]).triggers()


@dataclass(frozen=True)
class Compiler:
    """Compiles ASTs for one language with that language's analyzer and concept lists."""

    language: str
    analyzer: Analyzer
    concepts: dict[str, ConceptDef]

    def compile(self, node: q.Node, field: str | None = None) -> Program:
        if isinstance(node, q.Term):
            text = node.text + ("*" if node.prefix else "")
            return self._leaf(text, None, 1.0, field, text, exact=False)
        if isinstance(node, q.Phrase):
            return self._leaf(node.text, None, 1.0, field, node.text, exact=True)
        if isinstance(node, q.Concept):
            concept = self.concepts.get(node.name)
            entries = concept.for_language(self.language) if concept else ()
            kids = [self._leaf(t.text.strip('"'), node.name, t.weight, field, t.text,
                               exact=t.text.startswith('"') or " " in t.text.strip())
                    for t in entries]
            return OrProgram(kids) if kids else Const(False)
        if isinstance(node, q.Lang):
            return Const(node.code in (self.language, LANGUAGE_FALLBACK.get(self.language)))
        if isinstance(node, q.Field):
            return self.compile(node.child, node.field)
        if isinstance(node, q.Not):
            return NotProgram(self.compile(node.child, field))
        if isinstance(node, q.And):
            return AndProgram([self.compile(c, field) for c in node.children])
        if isinstance(node, q.Or):
            return OrProgram([self.compile(c, field) for c in node.children])
        return NearProgram(self.compile(node.left, field), self.compile(node.right, field),
                           node.distance)

    def _leaf(self, text: str, concept: str | None, weight: float, field: str | None,
              label: str, *, exact: bool) -> Program:
        """A phrase (``exact``) compares folded words, a bare term compares stems."""
        parts: list[tuple[str, int]] = []
        an = self.analyzer
        for chunk in text.split():
            prefix = chunk.endswith("*")
            toks = words(chunk.rstrip("*"))
            for k, tok in enumerate(toks):
                if prefix and k == len(toks) - 1:
                    parts.append((an.folded(tok), PREFIX))
                elif exact:
                    parts.append((an.folded(tok), EXACT))
                else:
                    parts.append((an.stem(tok), TERM))
        if not parts:
            return Const(False)
        if len(parts) == 1:
            key, mode = parts[0]
            return LeafProgram(Leaf(mode, key, (), label, concept, weight, field))
        return LeafProgram(Leaf(PHRASE, "", tuple(parts), label, concept, weight, field))
