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
        table = self.table()
        got = table.get(word)
        if got is None:  # not a named word: never asked by the matcher, answered anyway
            got = table[word] = [i for i, w in enumerate(self._words) if w == word]
        return got

    def table(self) -> dict[str, list[int]]:
        """Named word → its positions."""
        table = self._table
        if table is None:
            table = self._table = self._build()
        return table

    def _build(self) -> dict[str, list[int]]:
        words = self._words
        table: dict[str, list[int]] = {w: [] for w in self._named}
        # Membership of each token in C, then a Python step per named token only.
        for i in compress(range(len(words)), map(table.__contains__, words)):
            table[words[i]].append(i)
        return table


def by_key(words: list[str], keys: list[str], occurrences: Occurrences) -> dict[str, list[int]]:
    """Key → where the named words with that key occur, in order (``keys[d]`` is the key,
    stem or folded form, of ``words[d]``).

    Every present key at once, with one dictionary lookup per key when rules are evaluated:
    an article's candidate rules ask for about 150 present words, each through a lookup and a
    memo on demand was a third of their evaluation."""
    table = occurrences.table()
    # Nearly every key is one word's: built in C, then the few shared keys merged.
    out = dict(zip(keys, map(table.__getitem__, words), strict=True))
    if len(out) < len(words):
        # Several words share a key ("Talks" and "talks", "Embassy" and "embassies"): the
        # dict kept the last one's positions, and each of the others is merged in.
        for word, key in [(w, k) for w, k in zip(words, keys, strict=True)
                          if out[k] is not table[w]]:
            out[key] = sorted(out[key] + table[word])
    return out
