"""Token positions in an analysed article, found on demand with C string searches.

Matching an article asks where a dozen keys occur among its ~800 tokens; building a full
position index in Python costs more than finding those few keys with str.find.
"""

from __future__ import annotations


class Occurrences:
    """Token positions of each raw word of an article, found on demand with str.find.

    The raw words are fresh strings, so joining them is cheap, unlike looking up the stem of
    every token in the shared 300,000-word tables (a cache miss each).
    """

    _SEP = "\x01"  # not a word character, and no folding or stemming produces it

    def __init__(self, words: list[str]) -> None:
        self._words = words
        self._joined: str | None = None
        self._memo: dict[str, list[int]] = {}

    def of(self, word: str) -> list[int]:
        got = self._memo.get(word)
        if got is not None:
            return got
        sep = self._SEP
        joined = self._joined
        if joined is None:
            joined = self._joined = sep + sep.join(self._words) + sep
        needle = sep + word + sep
        find, count = joined.find, joined.count
        got = self._memo[word] = []
        # Token k is preceded by the (k+1)-th separator: its number is the separators before
        # the match, counted incrementally so that a frequent word stays linear.
        at, before, position = find(needle), 0, 0
        while at >= 0:
            position += count(sep, before, at)
            got.append(position)
            before = at
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
