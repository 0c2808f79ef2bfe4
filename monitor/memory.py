"""Handing back to the system the heap that large work freed (glibc's ``malloc_trim``).

CPython frees its objects, but glibc keeps the freed pages of its heaps (one per thread that
allocated) for reuse: after a 100,000-item feed was parsed in a worker thread, the daemon
kept about 60 MB it no longer used, and every later peak (a rule evaluation, the next big
feed) counted on top of it. ``release()`` asks glibc to return them; elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back
        return None
    return trim


def release() -> bool:
    """Return the free pages of every heap to the system; False where that is not possible."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
