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

import numpy as np

from monitor.text import normalise

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")

BANDS = 4
BAND_BITS = 16
MAX_DISTANCE = 6  # bits; 3 or fewer always share a band, 4-6 usually do
MIN_SHINGLES = 12  # shorter texts (a bare headline) are too weak to call near-duplicates
SHINGLE = 1
_MASK = (1 << 64) - 1


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """The features of a text: its distinct words of 4+ characters (``size`` 1), or its
    distinct word n-grams. Distinct words resist edits better than n-grams (one changed word
    changes one feature, not n); dropping short words keeps stop words from dominating."""
    words = _WORD.findall(normalise(text))
    if size == 1:
        return list(dict.fromkeys(w for w in words if len(w) >= 4))
    if len(words) < size:
        return [" ".join(words)] if words else []
    return list(dict.fromkeys(" ".join(words[i:i + size])
                              for i in range(len(words) - size + 1)))


@functools.lru_cache(maxsize=1 << 16)  # news vocabularies repeat: a hit costs a tenth of a hash
def _h64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(features: Iterable[str]) -> int:
    """Unsigned 64-bit SimHash of the features (each counted once per occurrence)."""
    hashes = np.fromiter(map(_h64, features), dtype="<u8")
    if not hashes.size:
        return 0
    # One row of 64 bits per feature (bit 0 first); a bit is set where most features set it.
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    votes = bits.sum(axis=0, dtype=np.int64) * 2 > hashes.size
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


def to_signed(h: int) -> int:
    """As a signed 64-bit integer, for BIGINT columns."""
    return h - (1 << 64) if h >= 1 << 63 else h


def to_unsigned(h: int) -> int:
    return h & _MASK
