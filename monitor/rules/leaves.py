"""Leaf programs: the words, prefixes and phrases of a compiled query, looked up in an analysed
article (monitor.rules.document), and the ``Program`` interface that every compiled query node
(monitor.rules.compiler) shares with them.
"""

from __future__ import annotations

from monitor.errors import MatchBudgetExceeded
from monitor.rules.document import (
    MAX_HITS_PER_LEAF,
    PHRASE,
    PREFIX,
    TERM,
    Document,
    Hit,
    Leaf,
    Trigger,
)


class Program:
    """A compiled query node: ``run`` gives its hits, or None when it does not hold. The list
    is a new one at each call, the caller's to extend."""

    def run(self, doc: Document) -> list[Hit] | None:
        raise NotImplementedError

    def triggers(self) -> frozenset[Trigger] | None:
        """Keys of which every match contains one; None when no such set exists."""
        raise NotImplementedError


class LeafProgram(Program):
    """A term, prefix or phrase (``leaf``): ``LeafProgram.of`` picks the kind that runs it."""

    def __init__(self, leaf: Leaf) -> None:
        self.leaf = leaf

    @staticmethod
    def of(leaf: Leaf) -> LeafProgram:
        if leaf.kind == PHRASE:
            return PhraseProgram(leaf)
        return WordProgram(leaf) if leaf.field is None else FieldWordProgram(leaf)

    def triggers(self) -> frozenset[Trigger] | None:
        return frozenset((self.leaf.trigger(),))


class WordProgram(LeafProgram):
    """One word (stem or folded form) or prefix, in title or body: most leaves of a rule set,
    and most of those absent from the article (the other words of an OR), so that case is one
    dictionary lookup, which also gives the positions of a present word. The budget is
    charged inline (Document.charge): this runs for every word of every candidate rule."""

    def __init__(self, leaf: Leaf) -> None:
        super().__init__(leaf)
        self.key, self.kind = leaf.key, leaf.kind

    def run(self, doc: Document) -> list[Hit] | None:
        key, kind = self.key, self.kind
        if kind == PREFIX:
            at = doc.prefix_positions(key)
            if not at:
                doc.charge(1)
                return None
        else:
            got = (doc.stem_at if kind == TERM else doc.folded_at).get(key)
            if got is None:
                return None
            at = got
        if len(at) > MAX_HITS_PER_LEAF:
            at = at[:MAX_HITS_PER_LEAF]
        doc.work += len(at) + 1
        if doc.work > doc.budget:
            raise MatchBudgetExceeded(doc.work, doc.budget)
        leaf = self.leaf
        if len(at) == 1:
            i = at[0]
            return [(i, i + 1, leaf)]
        return [(i, i + 1, leaf) for i in at]


class FieldWordProgram(WordProgram):
    """A word or prefix in the title only or the body only."""

    def run(self, doc: Document) -> list[Hit] | None:
        hits = super().run(doc)
        if hits is None:
            return None
        body = doc.body_start
        if self.leaf.field == "title":
            return [h for h in hits if h[0] < body] or None
        return [h for h in hits if h[0] >= body] or None


class PhraseProgram(LeafProgram):
    """Words in a row: their spans are memoised by the document (Document.find)."""

    def __init__(self, leaf: Leaf) -> None:
        super().__init__(leaf)
        first, mode = leaf.parts[0]
        # A phrase is found from its first word's occurrences: when that whole word is
        # absent (often: the rule was a candidate for another word), the phrase is too.
        self.first: tuple[bool, str] | None = None if mode == PREFIX else (mode == TERM, first)

    def run(self, doc: Document) -> list[Hit] | None:
        leaf = self.leaf
        if self.first is not None:
            stem, key = self.first
            if key not in (doc.stem_at if stem else doc.folded_at):
                doc.charge(1)  # as for a phrase looked for and not found
                return None
        found = doc.find(leaf)
        doc.charge(len(found) + 1)
        if leaf.field == "title":
            found = [s for s in found if s[0] < doc.body_start]
        elif leaf.field == "body":
            found = [s for s in found if s[0] >= doc.body_start]
        return [(s, e, leaf) for s, e in found] or None
