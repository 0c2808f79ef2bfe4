"""Token positions in an analysed article, found on demand with C string searches.

Matching an article asks where a dozen keys occur among its ~800 tokens; building a full
position index in Python costs more than finding those few keys with str.find.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate, count
from operator import add


class Occurrences:
    """Token positions of each raw word of an article, found on demand with str.find.

    The raw words are fresh strings, so joining them is cheap, unlike looking up the stem of
    every token in the shared 300,000-word tables (a cache miss each).
    """

    _SEP = "\x01"  # not a word character, and no folding or stemming produces it

    def __init__(self, words: list[str]) -> None:
        self._words = words
        self._joined = ""
        self._starts: list[int] = []
        self._memo: dict[str, list[int]] = {}

    def of(self, word: str) -> list[int]:
        got = self._memo.get(word)
        if got is not None:
            return got
        sep = self._SEP
        if not self._joined:
            words = self._words
            self._joined = sep + sep.join(words) + sep
            # The separator before token k is at k + the lengths of the k tokens before it:
            # a hit's token number is a bisection, however many keys an article needs.
            self._starts = list(map(add, accumulate(map(len, words), initial=0), count()))
        find, starts = self._joined.find, self._starts
        needle = sep + word + sep
        got = self._memo[word] = []
        at = find(needle)
        while at >= 0:
            got.append(bisect_left(starts, at))
            at = find(needle, at + len(needle) - 1)  # the closing separator opens the next
        return got


class Positions:
    """Where each key (stem or folded form) occurs in an article, computed on demand: the
    article's distinct words with that key, then their occurrences."""

    def __init__(self, distinct: list[str], keys: list[str], occurrences: Occurrences) -> None:
        self._distinct = distinct
        self.present = set(keys)
        self._keys = Occurrences(keys)  # keys[d] is the key of distinct[d]
        self._occurrences = occurrences
        self._memo: dict[str, list[int]] = {}

    def get(self, key: str) -> list[int]:
        if key not in self.present:
            return []  # the common case, answered without touching the token sequence
        got = self._memo.get(key)
        if got is not None:
            return got
        distinct, of = self._distinct, self._occurrences.of
        which = self._keys.of(key)
        if len(which) == 1:
            got = of(distinct[which[0]])
        else:  # several words with this key ("Embassy", "embassies")
            got = sorted(i for d in which for i in of(distinct[d]))
        self._memo[key] = got
        return got
