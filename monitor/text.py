"""Multilingual text normalisation, tokenisation and language detection."""

from __future__ import annotations

import re
import unicodedata

import py3langid

_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC and case folding, so that visually equal text compares equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` with their character offsets, normalised."""
    return [(normalise(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell."""
    sample = text[:4000].strip()
    if len(sample) < 20:
        return None
    lang, _score = py3langid.classify(sample)
    return str(lang)
