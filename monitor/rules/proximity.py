"""Proximity of hits (``NEAR/n`` and ``SENT``): which hits of each side have a partner on the
other side, in O(n log n) for n hits.

Comparing every left hit with every right hit was quadratic: "The embassy of Russia "
repeated over 44 KB took 38 s. Here each side is sorted once and every hit asks one question
of the other side: a bisection (``NEAR/n``) or a dictionary lookup (``SENT``).

A hit is ``(start, end, leaf)`` with token positions ``[start, end)``. Two hits are partners
when they lie in the same field, are not the very same span (``x NEAR/3 x`` needs two
occurrences; overlapping spans count) and are at most ``n`` words apart
(``max(starts) - min(ends) <= n``) or in the same sentence.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import Any

Hit = tuple[int, int, Any]  # (start, end, leaf); the leaf is only carried along
_NONE = -(1 << 62)


def near(left: Sequence[Hit], right: Sequence[Hit], distance: int,
         body_start: int) -> tuple[list[Hit], list[Hit]]:
    """The hits of ``left`` and of ``right`` that have a partner at most ``distance`` apart."""
    return (_with_partner(left, right, distance, body_start),
            _with_partner(right, left, distance, body_start))


def near_other(hits: Sequence[Hit], distance: int, body_start: int) -> list[Hit]:
    """The hits of one concept that have a hit of another entry at most ``distance`` apart.

    ``@actors NEAR/12 @actors`` asks for two parties: "Indonesia ... Indonesia" is one name
    twice, so a partner must come from a different entry (a concept's mentions never share a
    span, so a different entry is also a different span), and from another party when both
    entries name theirs (Moscow, Putin and Russia are one).
    """
    out: list[Hit] = []
    for in_title in (True, False):
        mine = [h for h in hits if (h[0] < body_start) == in_title]
        if len(mine) > 1:
            out.extend(_other_entry_partners(mine, distance))
    return out


def same_sentence(left: Sequence[Hit], right: Sequence[Hit],
                  sentences: Callable[[list[int]], list[int]]) -> tuple[list[Hit], list[Hit]]:
    """The hits of each side that share a sentence with a hit of the other side.

    ``sentences(positions)`` numbers sentences across the article (the title is one of
    them), so the same sentence implies the same field.
    """
    left_at = sentences([h[0] for h in left])
    right_at = sentences([h[0] for h in right])
    return (_sharing(left, left_at, _spans_by(right, right_at)),
            _sharing(right, right_at, _spans_by(left, left_at)))


def _spans_by(hits: Sequence[Hit], keys: list[int]) -> dict[int, tuple[tuple[int, int], bool]]:
    """Key → (first span seen, whether a second, different span shares the key)."""
    out: dict[int, tuple[tuple[int, int], bool]] = {}
    for h, key in zip(hits, keys, strict=True):
        got = out.get(key)
        if got is None:
            out[key] = ((h[0], h[1]), False)
        elif not got[1] and got[0] != (h[0], h[1]):
            out[key] = (got[0], True)
    return out


def _sharing(hits: Sequence[Hit], keys: list[int],
             other: dict[int, tuple[tuple[int, int], bool]]) -> list[Hit]:
    out = []
    for h, key in zip(hits, keys, strict=True):
        got = other.get(key)
        if got is not None and (got[1] or got[0] != (h[0], h[1])):
            out.append(h)
    return out


def _with_partner(hits: Sequence[Hit], other: Sequence[Hit], distance: int,
                  body_start: int) -> list[Hit]:
    """Hits with a partner in ``other``, one field at a time."""
    out: list[Hit] = []
    for in_title in (True, False):
        mine = [h for h in hits if (h[0] < body_start) == in_title]
        theirs = [h for h in other if (h[0] < body_start) == in_title]
        if mine and theirs:
            out.extend(_field_partners(mine, theirs, distance))
    return out


def _field_partners(hits: list[Hit], other: list[Hit], distance: int) -> list[Hit]:
    # Partners are other spans: ``x NEAR/3 x`` needs two occurrences.
    spans = sorted({(b[0], b[1]) for b in other})
    return _partners(hits, [(s, e, (s, e)) for s, e in spans], distance, lambda a: (a[0], a[1]))


def _other_entry_partners(hits: list[Hit], distance: int) -> list[Hit]:
    # Partners are hits of other entries: ``@c NEAR/n @c`` asks for two names of the concept.
    ordered = sorted(hits, key=lambda h: h[0])
    return _partners(hits, [(h[0], h[1], _side(h)) for h in ordered], distance, _side)


def _side(hit: Hit) -> object:
    """The party a hit names: its entry's code, else the entry itself."""
    return getattr(hit[2], "party", None) or id(hit[2])


def _partners(hits: list[Hit], others: list[tuple[int, int, object]], distance: int,
              own: Callable[[Hit], object]) -> list[Hit]:
    """The hits with a partner among ``others`` ((start, end, key), sorted by start): one at
    most ``distance`` words away whose key is not the hit's own (``own``).

    ``a`` and ``b`` are partners when b.start <= a.end + n and b.end >= a.start - n (that is
    max(starts) - min(ends) <= n). The candidates for ``a`` are a prefix of ``others``, and
    the prefix's greatest end decides; that end may have ``a``'s own key, so the greatest end
    among the other keys is kept too.
    """
    starts = [o[0] for o in others]
    best: list[tuple[int, object, int]] = []  # (greatest end, its key, best end of another key)
    top, top_key, other = _NONE, None, _NONE
    for _start, end, key in others:
        if end > top:
            if key != top_key:
                other = top
            top, top_key = end, key
        elif key != top_key and end > other:
            other = end
        best.append((top, top_key, other))
    out = []
    for a in hits:
        i = bisect.bisect_right(starts, a[1] + distance) - 1
        if i < 0:
            continue
        top, top_key, other = best[i]
        if (top if top_key != own(a) else other) >= a[0] - distance:
            out.append(a)
    return out
