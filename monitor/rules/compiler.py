"""Compiled queries: the AST of a rule, for one language, turned into evaluable programs over
an analysed article (monitor.rules.document), plus the index keys ("triggers") that any match
must contain. The leaf programs (words, prefixes, phrases) are in monitor.rules.leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.errors import MatchBudgetExceeded
from monitor.rules import query as q
from monitor.rules.analysis import Analyzer, words
from monitor.rules.concepts import LANGUAGE_FALLBACK, ConceptDef
from monitor.rules.document import (
    EXACT,
    MAX_HITS_PER_LEAF,
    PHRASE,
    PREFIX,
    TERM,
    Document,
    Hit,
    Leaf,
    Trigger,
)
from monitor.rules.evidence import stretches
from monitor.rules.leaves import LeafProgram, Program, WordProgram
from monitor.rules.proximity import near, near_other, same_sentence

# The matcher imports the document's names from here, with the programs that run on it.
__all__ = ["EXACT", "PREFIX", "TERM", "AndProgram", "Compiler", "Const", "Document", "Hit",
           "Leaf", "LeafProgram", "NearProgram", "NotProgram", "OrProgram", "Program"]


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
        # Words in title or body, nothing else (most ORs of a rule set, and most concepts):
        # looked up here, without a call per word. (stem?, key, leaf) per child, in order.
        self.words: tuple[tuple[bool, str, Leaf], ...] | None = None
        if all(type(c) is WordProgram and c.kind != PREFIX for c in children):
            self.words = tuple((c.kind == TERM, c.key, c.leaf)
                               for c in children if isinstance(c, WordProgram))

    def run(self, doc: Document) -> list[Hit] | None:
        if self.words is not None:
            return self._run_words(doc)
        hits: list[Hit] | None = None
        for child in self.children:
            got = child.run(doc)
            if got is not None:
                doc.work += len(got)  # Document.charge, inline (every candidate has an OR)
                if doc.work > doc.budget:
                    raise MatchBudgetExceeded(doc.work, doc.budget)
                # Extend one list: ``hits + got`` per child copied the hits of a long OR anew.
                # Every program returns a list of its own, so the first one is taken as is.
                if hits is None:
                    hits = got
                else:
                    hits.extend(got)
        return hits

    def _run_words(self, doc: Document) -> list[Hit] | None:
        """``run`` of words only: each child's lookup and charges (WordProgram.run), inline."""
        hits: list[Hit] | None = None
        stems, folded = doc.stem_at, doc.folded_at
        for stem, key, leaf in self.words or ():
            at = (stems if stem else folded).get(key)
            if at is None:
                continue
            if len(at) > MAX_HITS_PER_LEAF:
                at = at[:MAX_HITS_PER_LEAF]
            n = len(at)
            doc.work += n + 1  # the word's charge
            if doc.work > doc.budget:
                raise MatchBudgetExceeded(doc.work, doc.budget)
            doc.work += n  # the OR's, for the hits it takes
            if doc.work > doc.budget:
                raise MatchBudgetExceeded(doc.work, doc.budget)
            if n == 1:
                i = at[0]
                got = [(i, i + 1, leaf)]
            else:
                got = [(i, i + 1, leaf) for i in at]
            if hits is None:
                hits = got
            else:
                hits.extend(got)
        return hits

    def triggers(self) -> frozenset[Trigger] | None:
        out: set[Trigger] = set()
        for child in self.children:
            got = child.triggers()
            if got is None:
                return None
            out |= got
        return frozenset(out)


class ConceptProgram(OrProgram):
    """A concept's entries, hit as mentions: a hit inside a longer hit of the same concept is
    that mention again ("Korea" inside "Korea Utara", 俄 inside 俄罗斯), so that
    ``@actors NEAR/12 @actors`` means two parties, not one name matched by two entries.

    The mentions are kept on the document: weighted rules name one concept in several
    expressions, and every rule of an article reads the same document (never shared between
    threads), so each concept's hundreds of entries are looked up once per article.
    """

    def __init__(self, children: list[Program], key: tuple[str, str | None, bool]) -> None:
        super().__init__(children)
        # (concept, field, context): the language is the document's index's. The role is part
        # of the key because a hit carries its leaf, and the leaf says whether its words are
        # what the alert is about or context: one rule's context must not become another's topic.
        self.key = key

    def run(self, doc: Document) -> list[Hit] | None:
        memo: dict[tuple[str, str | None, bool], list[Hit] | None] = vars(doc).setdefault(
            "_concept_mentions", {})
        if self.key not in memo:
            got = super().run(doc)
            memo[self.key] = None if got is None else stretches(got)
        hits = memo[self.key]
        # A copy, as every program gives: an OR extends its first child's list, and extending
        # the kept one made one rule's ``@actors OR @officials`` every later rule's ``@actors``.
        return None if hits is None else list(hits)


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
        doc.charge(len(left) + len(right))
        # Sorted sides and one lookup per hit (monitor.rules.proximity), never every pair.
        if self.distance is None:
            kept_left, kept_right = same_sentence(left, right, doc.sentences)
        elif (isinstance(self.left, ConceptProgram) and isinstance(self.right, ConceptProgram)
              and self.left.key[:2] == self.right.key[:2]):
            # One concept on both sides asks for two of its names, not one name twice.
            kept_left = kept_right = near_other(left, self.distance, doc.body_start)
        else:
            kept_left, kept_right = near(left, right, self.distance, doc.body_start)
        keep: dict[tuple[int, int, int], Hit] = {}
        for h in (*kept_left, *kept_right):
            keep[(h[0], h[1], id(h[2]))] = h
        return list(keep.values()) or None

    def triggers(self) -> frozenset[Trigger] | None:
        return AndProgram([self.left, self.right]).triggers()


@dataclass(frozen=True)
class Compiler:
    """Compiles ASTs for one language with that language's analyzer and concept lists."""

    language: str
    analyzer: Analyzer
    concepts: dict[str, ConceptDef]
    # One object per distinct leaf: the rules naming @actors share its leaves, and so the
    # evidence built for them once per article (monitor.rules.evidence).
    interned: dict[Leaf, Leaf] = field(default_factory=dict)

    def compile(self, node: q.Node, field: str | None = None,
                context: bool = False) -> Program:
        """``node`` as a program; ``context``: its hits say who or where, not what (the right
        side of a NEAR/SENT, and everything inside it)."""
        if isinstance(node, q.Term):
            text = node.text + ("*" if node.prefix else "")
            return self._leaf(text, None, 1.0, field, text, exact=False, context=context)
        if isinstance(node, q.Phrase):
            return self._leaf(node.text, None, 1.0, field, node.text, exact=True,
                              context=context)
        if isinstance(node, q.Concept):
            concept = self.concepts.get(node.name)
            entries = concept.for_language(self.language) if concept else ()
            kids = [self._leaf(t.text.strip('"'), node.name, t.weight, field, t.text,
                               exact=t.text.startswith('"') or " " in t.text.strip(),
                               context=context, party=t.party)
                    for t in entries]
            return ConceptProgram(kids, (node.name, field, context)) if kids else Const(False)
        if isinstance(node, q.Lang):
            return Const(node.code in (self.language, LANGUAGE_FALLBACK.get(self.language)))
        if isinstance(node, q.Field):
            return self.compile(node.child, node.field, context)
        if isinstance(node, q.Not):
            return NotProgram(self.compile(node.child, field, context))
        if isinstance(node, q.And):
            return AndProgram([self.compile(c, field, context) for c in node.children])
        if isinstance(node, q.Or):
            return OrProgram([self.compile(c, field, context) for c in node.children])
        return NearProgram(self.compile(node.left, field, context),
                           self.compile(node.right, field, True), node.distance)

    def _leaf(self, text: str, concept: str | None, weight: float, field: str | None,
              label: str, *, exact: bool, context: bool, party: str | None = None) -> Program:
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
            leaf = Leaf(mode, key, (), label, concept, weight, field, context, party)
        else:
            leaf = Leaf(PHRASE, "", tuple(parts), label, concept, weight, field, context, party)
        return LeafProgram.of(self.interned.setdefault(leaf, leaf))
