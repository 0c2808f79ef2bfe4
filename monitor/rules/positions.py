"""Token positions in an analysed article, for the few words that some rule names.

Matching an article asks where a dozen keys occur among its ~800 tokens, and only the ~30
distinct words that rules name can be asked about: one pass over the tokens finds all of
theirs, cheaper than a search per word and far cheaper than indexing every token.
"""

from __future__ import annotations

from itertools import compress


class Occurrences:
    """Token positions of each named word of an article, found in one pass on first use."""

    def __init__(self, words: list[str], named: list[str]) -> None:
        self._words, self._named = words, named
        self._table: dict[str, list[int]] | None = None

    def of(self, word: str) -> list[int]:
        table = self._table
        if table is None:
            table = self._table = self._build()
        got = table.get(word)
        if got is None:  # not a named word: never asked by the matcher, answered anyway
            got = table[word] = [i for i, w in enumerate(self._words) if w == word]
        return got

    def _build(self) -> dict[str, list[int]]:
        words = self._words
        table: dict[str, list[int]] = {w: [] for w in self._named}
        # Membership of each token in C, then a Python step per named token only.
        for i in compress(range(len(words)), map(table.__contains__, words)):
            table[words[i]].append(i)
        return table


class Positions:
    """Where each key (stem or folded form) occurs in an article, computed on demand: the
    article's named words with that key, then their occurrences."""

    def __init__(self, words: list[str], keys: list[str], occurrences: Occurrences) -> None:
        self._words, self._keys = words, keys  # keys[d] is the key of words[d]
        self.present = set(keys)
        self._occurrences = occurrences
        self._with_key: dict[str, list[str]] | None = None
        self._memo: dict[str, list[int]] = {}

    def get(self, key: str) -> list[int]:
        if key not in self.present:
            return []  # the common case, answered without touching the token sequence
        got = self._memo.get(key)
        if got is not None:
            return got
        with_key = self._with_key
        if with_key is None:
            with_key = self._with_key = {}
            for word, k in zip(self._words, self._keys, strict=True):
                with_key.setdefault(k, []).append(word)
        of, which = self._occurrences.of, with_key[key]
        # Several words may share a key ("Embassy", "embassies"): merge their positions.
        got = of(which[0]) if len(which) == 1 else sorted(i for w in which for i in of(w))
        self._memo[key] = got
        return got
