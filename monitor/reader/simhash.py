"""Near-duplicate detection: 64-bit SimHash over word shingles, split into bands for lookup.

Syndicated copies of one story (the same wire text on ten sites, with different boilerplate
around it) differ in a few words; their SimHashes differ in a few bits. Candidates are found by
exact lookup of the four 16-bit bands in an indexed table (two hashes within 3 bits always share
a band, by pigeonhole; within 6 bits they usually do), so the lookup stays bounded however many
articles the database holds. Features and threshold were chosen on the real feeds of the
corpus: over distinct words of 4+ letters, among 1,217 distinct items only three pairs came
within 6 bits, all near-identical (two copies of one ad, two parts of one show's notes).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from itertools import compress

import numpy as np

from monitor.rules import normalise

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")

BANDS = 4
BAND_BITS = 16
MAX_DISTANCE = 6  # bits; 3 or fewer always share a band, 4-6 usually do
MIN_SHINGLES = 12  # shorter texts (a bare headline) are too weak to call near-duplicates
SHINGLE = 1
_MASK = (1 << 64) - 1
_LONG_WORD = re.compile(r"\w{4,}")
_JOINERS = ("-", "'", "’")  # join two runs of \w into one word for _WORD
_LANE = 16  # bits per vote count in ``simhash``'s packed sum


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """The features of a text: its distinct words of 4+ characters (``size`` 1), or its
    distinct word n-grams. Distinct words resist edits better than n-grams (one changed word
    changes one feature, not n); dropping short words keeps stop words from dominating."""
    norm = normalise(text)
    if size == 1 and not any(joiner in norm for joiner in _JOINERS):
        # Without joiners the words are the runs of \w, and the runs of 4+ are exactly the
        # matches of \w{4,}: one pass in C instead of a filter in Python.
        return list(dict.fromkeys(_LONG_WORD.findall(norm)))
    words = _WORD.findall(norm)
    if size == 1:  # the words longer than 3, each once: compress and map keep it all in C
        return list(dict.fromkeys(compress(words, map((3).__lt__, map(len, words)))))
    if len(words) < size:
        return [" ".join(words)] if words else []
    return list(dict.fromkeys(" ".join(words[i:i + size])
                              for i in range(len(words) - size + 1)))


def _h64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


@functools.lru_cache(maxsize=1 << 16)  # news vocabularies repeat: a hit costs a tenth of a hash
def _spread(feature: str) -> int:
    """The feature's 64 hash bits with bit i moved to bit ``_LANE * i``: a sum of these holds
    the 64 vote counts side by side."""
    bits = np.unpackbits(np.frombuffer(_h64(feature).to_bytes(8, "little"), dtype=np.uint8),
                         bitorder="little")
    return int.from_bytes(bits.astype(f"<u{_LANE // 8}").tobytes(), "little")


def simhash(features: Iterable[str]) -> int:
    """Unsigned 64-bit SimHash of the features (each counted once per occurrence)."""
    feats = features if isinstance(features, list) else list(features)
    if not feats:
        return 0
    if len(feats) < 1 << _LANE:
        # Every count fits its lane: one sum of Python integers counts all 64 votes.
        packed = sum(map(_spread, feats)).to_bytes(8 * _LANE, "little")
        counts = np.frombuffer(packed, dtype=f"<u{_LANE // 8}").astype(np.int64)
    else:
        # One row of 64 bits per feature (bit 0 first), summed per bit.
        hashes = np.fromiter(map(_h64, feats), dtype="<u8")
        bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
        counts = bits.sum(axis=0, dtype=np.int64)
    votes = counts * 2 > len(feats)  # a bit is set where most features set it
    return int.from_bytes(np.packbits(votes, bitorder="little").tobytes(), "little")


def text_simhash(title: str, body: str) -> int | None:
    """The SimHash of an article's text, or None when it is too short to compare."""
    feats = shingles(f"{title}\n{body}")
    if len(feats) < MIN_SHINGLES:
        return None
    return simhash(feats)


def bands(h: int) -> list[int]:
    """The ``BANDS`` 16-bit slices of an unsigned hash, band 0 lowest."""
    return [(h >> (i * BAND_BITS)) & ((1 << BAND_BITS) - 1) for i in range(BANDS)]


def distance(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()

