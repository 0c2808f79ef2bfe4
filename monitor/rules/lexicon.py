"""The words one compiled language index has met: raw word → folded form, stem, the rules the
word can trigger and the wildcard prefixes it starts with, each worked out once per word.

News vocabularies repeat, so after a while nearly every word of an article is known: matching
it costs one set lookup per distinct word, where separate stem, folded-form, term, exact-word
and prefix tables would cost five, each a likely cache miss in tables of a hundred thousand
words. Most words of an article are named by no rule at all: they are kept in a set of their
own, and the rest of the matcher only ever sees the few words that matter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from operator import itemgetter
from typing import Any

# (folded form, stem, indexes of the rules the word triggers, wildcard prefixes it starts with),
# or () for a word that no rule names: its stem, folded form and prefixes are in no rule.
Known = tuple[str, str, tuple[int, ...], tuple[str, ...]]
Entry = Known | tuple[()]
folded_of = itemgetter(0)
stem_of = itemgetter(1)
rules_of = itemgetter(2)

LIMIT = 200_000  # words remembered per index (~40 MB at most); then it starts over


class Lexicon:
    """Entries of the words seen so far, for one language's compiled rules (thread-safe: a
    word worked out twice by two threads gets the same entry)."""

    def __init__(self, keys: Callable[[str], tuple[str, str]],
                 terms: Mapping[str, Sequence[int]], exact: Mapping[str, Sequence[int]],
                 automaton: Any | None,
                 named: tuple[Set[str], Set[str]], limit: int = LIMIT) -> None:
        self._keys = keys  # word → (folded, stem): the language's analyzer
        self._stems_named, self._folded_named = named  # every stem and folded word in a rule
        self._terms, self._exact = terms, exact
        self._automaton = automaton
        self._limit = limit
        # Words apart from their entries: most words of an article are named by no rule, and
        # one C-level set difference drops them, where a lookup per word in a table of every
        # word seen cost twice as much (each a likely cache miss all the same).
        self._known: dict[str, Known] = {}
        self._unnamed: set[str] = set()

    def __len__(self) -> int:
        return len(self._known) + len(self._unnamed)

    def named(self, distinct: set[str]) -> tuple[list[str], list[Known]]:
        """The words of ``distinct`` that some rule names, and their entries, in one order."""
        known, unnamed = self._known, self._unnamed
        rest = list(distinct.difference(unnamed))
        entries = list(map(known.get, rest))
        if None not in entries:
            return rest, entries  # type: ignore[return-value]  # checked: no None left
        if len(known) + len(unnamed) > self._limit:
            # An open vocabulary (names, typos) would grow without end: start over. The old
            # tables are replaced, not cleared, for articles being matched meanwhile.
            known = self._known = {}
            unnamed = self._unnamed = set()
        words: list[str] = []
        got: list[Known] = []
        for word, entry in zip(rest, entries, strict=True):
            if entry is None:
                made = self.entry(word)
                if not made:
                    unnamed.add(word)
                    continue
                entry = known[word] = made
            words.append(word)
            got.append(entry)
        return words, got

    def entry(self, word: str) -> Entry:
        """The entry of one word, worked out (not cached)."""
        folded, stem = self._keys(word)
        rules: list[int] = [*self._terms.get(stem, ()), *self._exact.get(folded, ())]
        prefixes: tuple[str, ...] = ()
        if self._automaton is not None:
            # Keys start with a separator, so only prefixes of the whole word are found.
            found = [value for _end, value in self._automaton.iter("\x00" + folded)]
            prefixes = tuple(p for p, _ids in found)
            for _p, ids in found:
                rules.extend(ids)
        if not prefixes and stem not in self._stems_named and folded not in self._folded_named:
            return ()
        return folded, stem, tuple(sorted(set(rules))), prefixes


def prefix_table(entries: Sequence[Known]) -> dict[str, list[str]]:
    """Prefix → the distinct folded words of ``entries`` that start with it."""
    out: dict[str, dict[str, None]] = {}
    for entry in entries:
        for prefix in entry[3]:
            out.setdefault(prefix, {})[entry[0]] = None
    return {p: list(words) for p, words in out.items()}
