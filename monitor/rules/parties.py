"""Which party each name of the generated ``actors`` concept stands for: the state code that
makes ``@actors NEAR/n @actors`` count parties, not names (Moscow, Putin and Russia are RU).

A CLDR name carries its territory's code and an office holder the state of
``rules/gazetteer/leaders.yaml``. A hand-list name gets the code that ``parties`` in
``rules/gazetteer/actors.yaml`` gives it (capitals, governments, demonyms), or else the code of
the one state whose CLDR name it covers (``russia*`` covers Russia). A name that stands for no
state, or for several (``congo``, blocs, armed groups), has no code: it is a party of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from monitor.rules.analysis import case_fold


def _bare(term: str, language: str) -> str:
    return case_fold(term.strip('"'), language)


def covers(term: str, other: str, language: str) -> bool:
    """Whether hand entry ``term`` names what the generated entry ``other`` names: the same
    words, or a one-word wildcard the other word starts with."""
    mine, theirs = _bare(term, language), _bare(other, language).rstrip("*")
    if mine.endswith("*") and " " not in mine:
        return theirs.startswith(mine[:-1])
    return mine == theirs


def single(codes: Iterable[str]) -> str | None:
    """The one code of a name, or None when it names none or several."""
    found = set(codes)
    return found.pop() if len(found) == 1 else None


def hand_codes(hand: list[str], generated: list[tuple[str, str]], table: dict[str, str],
               language: str) -> dict[str, str]:
    """The code of each hand entry: the reviewed table's, else the one state it covers among
    ``generated`` (term, code) pairs."""
    out: dict[str, str] = {}
    for term in hand:
        code = table.get(term.strip('"').casefold())
        if code is None:
            code = single(c for other, c in generated if covers(term, other, language))
        if code is not None:
            out[term] = code
    return out


def table_of(parties: dict[str, list[str]] | None) -> dict[str, str]:
    """``parties`` of the hand list (code → its names, in any language), name → code."""
    out: dict[str, str] = {}
    for code, names in (parties or {}).items():
        for name in names:
            folded = str(name).strip('"').casefold()
            if folded in out and out[folded] != str(code):
                raise ValueError(f"{name!r} is listed under {out[folded]} and {code}")
            out[folded] = str(code)
    return out


__all__ = ["covers", "hand_codes", "single", "table_of"]
