"""Warnings for queries that parse but probably do not say what was meant.

``iran near/5 nuclear`` and ``iran NEAR5 nuclear`` are valid queries: ``near/5`` and ``NEAR5``
are ordinary words, so the rule asks for an article containing them and matches nothing.
Operators are upper case, and a lower-case ``and``/``or``/``not``/``near``/``sent`` is a word,
which is sometimes meant (``"rock and roll"`` is better written as a phrase) and usually not.
Warnings never stop a rule from loading; ``monitor rules check`` and the API's validate and
test answers list them, located like errors.
"""

from __future__ import annotations

import re

_OPERATOR_WORDS = {"and", "or", "not", "near", "sent"}
# NEAR5, near/5, Near/5, NEAR-5, SENT/3, sent/3: proximity written in a way the parser reads as
# a word (only NEAR/n and SENT, upper case, are operators).
_MALFORMED_PROXIMITY = re.compile(r"(?i)(near|sent)(?:[/:_-]?\d+|/\S*)")
_FIELD_WORDS = {"title", "body", "lang"}
_WORD = re.compile(r'"[^"]*"?|[^\s()"]+')


def lint(query: str) -> list[tuple[int, str]]:
    """(offset, warning) for each suspicious token of ``query``, in query order."""
    out: list[tuple[int, str]] = []
    tokens = [(m.start(), m.group()) for m in _WORD.finditer(query)]
    for k, (pos, text) in enumerate(tokens):
        if text.startswith('"'):
            continue
        if text.lower() in _OPERATOR_WORDS and text != text.upper():
            out.append((pos, f"{text!r} is a word here, not an operator: operators are upper "
                             f"case ({text.upper()})"))
        elif _MALFORMED_PROXIMITY.fullmatch(text) and not re.fullmatch(r"NEAR/\d+", text):
            op = text[:4].upper()
            wanted = "NEAR/n (e.g. NEAR/5)" if op == "NEAR" else "SENT (no distance)"
            out.append((pos, f"{text!r} is a word here, not an operator: write {wanted}"))
        elif text.lower() in _FIELD_WORDS and k + 1 < len(tokens) \
                and tokens[k + 1][1].startswith(":"):
            out.append((pos, f"{text!r} followed by a space is a word: write "
                             f"{text.lower()}:term without a space"))
    return out
