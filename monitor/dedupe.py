"""Near-duplicate detection: 64-bit SimHash over word shingles, split into bands for lookup.

Syndicated copies of one story (the same wire text on ten sites, with different boilerplate
around it) differ in a few words; their SimHashes differ in a few bits. Two hashes within
``MAX_DISTANCE`` bits share at least one of ``BANDS`` 16-bit bands (pigeonhole: 4 bands, at most
3 differing bits), so candidates are found by exact band lookup in an indexed table, and the
lookup stays bounded however many articles the database holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from monitor.text import tokens

BANDS = 4
BAND_BITS = 16
MAX_DISTANCE = 5  # bits; 3 or fewer always share a band, 4-5 usually do
MIN_SHINGLES = 8  # shorter texts (a bare headline) are too weak to call near-duplicates
SHINGLE = 3
_MASK = (1 << 64) - 1


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    words = [w for w, _s, _e in tokens(text)]
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + size]) for i in range(len(words) - size + 1)]


def _h64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(features: Iterable[str]) -> int:
    """Unsigned 64-bit SimHash of the features (each counted once per occurrence)."""
    hashes = np.fromiter((_h64(f) for f in features), dtype="<u8")
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
