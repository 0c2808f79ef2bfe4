"""Multilingual text analysis: per-language normalisation, stemming, tokenisation, sentences
and language detection.

One ``Analyzer`` per language turns a word into two keys: its *folded* form (NFKC, language
aware case folding, accent folding where the language allows it) used by wildcards, and its
*stem* (folded form through Snowball, or simplemma for Ukrainian) used by terms and phrases.
Rule terms and article words go through the same analyzer, so they compare equal.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from itertools import accumulate, compress, repeat
from operator import add

import simplemma
import snowballstemmer  # type: ignore[import-untyped]

from monitor.rules.hanzi import simplify

# Scripts written without spaces: every character is a token, so a multi-character term is a
# phrase of characters (exact substring) and needs no dictionary-based segmenter. Korean is
# written with spaces, but between phrases, not words: nouns compound and take particles with
# no space ("주러시아대사관은", "대러제재"), so Hangul syllables are tokens too, and "대사관"
# is found inside both.
_NO_SPACE = (
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"  # Thai, Lao, Myanmar, Khmer
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, CJK ideographs
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"  # Hangul jamo and syllables
)
# Combining marks are not ``\w`` for Python's re, but they belong inside words (Arabic harakat,
# Indic vowel signs, decomposed accents); without them a vowelled Arabic word splits in three.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f"
)
# Apostrophes and hyphens split words: "l'ambassade" must yield "ambassade", "AS-Rusia" "rusia".
WORD_RE = re.compile(rf"[{_NO_SPACE}]|(?:[^\W{_NO_SPACE}]|[{_MARKS}])+")
# The same tokens for text without combining marks (nearly all NFC text), twice as fast.
_PLAIN_WORD_RE = re.compile(rf"[^\W{_NO_SPACE}]+|[{_NO_SPACE}]")
_HAS_MARKS = re.compile(f"[{_MARKS}]")
# For ASCII text ``\w`` is [A-Za-z0-9_], so the tokens are the runs left once every other
# character is a space: str.translate and str.split, both in C, are ~5x faster than findall.
# One character for one keeps the offsets of the original text.
_ASCII_SEPARATORS = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not (c.isalnum() or c == "_")})
_NO_SPACE_RE = re.compile(f"[{_NO_SPACE}]")
# A sentence ends at . ! ? … (not after a lone capital initial such as "U.", nor a Hebrew
# one: Hebrew has no capitals and writes initials "א."), at the CJK, Arabic, Devanagari
# (danda) and Urdu stops, or at a blank line.
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z\u05d0-\u05ea])[.!?…]+[\"'”’»)\]]*\s+|[。！？؟।॥۔]+|\n\s*\n")

_SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "et": "estonian", "eu": "basque",
    "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "ms": "indonesian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
# Languages whose diacritics are decoration for search purposes (users type without them);
# elsewhere they make different letters (tr ş/s, pl ł/l, sv å/a, vi tones, uk й/и ...).
_ACCENT_FOLD = frozenset({"ca", "de", "en", "es", "fr", "id", "it", "ms", "nl", "pt", "ro"})
_LEMMATIZE = frozenset({"uk"})  # no Snowball stemmer; simplemma ships a dictionary
_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_ALEF = str.maketrans("أإآٱ", "اااا")
# Persian and Urdu text is often typed with Arabic keyboards (ي ك for ی ک), Urdu with the
# Arabic heh for ہ; the zero-width non-joiner inside words ("تحریم‌ها") is left out by some
# writers ("تحریمها"): all fold to one spelling.
_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u200c": None})
_URDU_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ه": "ہ", "\u200c": None})
# Vietnamese puts the tone of oa, oe, uy either on the first vowel (hòa, thủy: the common
# newspaper style) or on the second (hoà, thuỷ: the reformed style); both are everywhere.
# Decomposed, the reformed style's tone follows the second vowel at the end of a syllable
# (and no other mark follows it: thuận, whose dot below comes before the circumflex).
_VI_TONE = re.compile(
    "(?<![qQ])([oOuU])([aAeEyY])([\u0300\u0301\u0303\u0309\u0323])(?![\\w\u0300-\u036f])")
_CACHE_LIMIT = 300_000  # rule words per language memoised
DEFAULT_LANGUAGE = "xx"  # analyzer used when the language is unknown: fold only, no stemming


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word  # nothing to decompose: most words of most news, every rule's ASCII term
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def case_fold(word: str, language: str | None) -> str:
    """NFKC and language-aware case folding (accents kept: stemmers need them)."""
    if word.isascii() and language not in ("tr", "az"):
        return word.lower()  # the same as NFKC + casefold for ASCII, several times faster
    text = unicodedata.normalize("NFKC", word)
    if language in ("tr", "az"):
        # Turkish dotted/dotless i: I→ı and İ→i, which plain casefold gets wrong.
        text = text.replace("I", "ı").replace("İ", "i")
    return text.casefold()


def fold(word: str, language: str | None) -> str:
    """NFKC, case folding and the language's character folding (no stemming)."""
    return char_fold(case_fold(word, language), language)


def char_fold(text: str, language: str | None) -> str:
    """The language's accent and letter-variant folding of case-folded text."""
    if language in _ACCENT_FOLD:
        text = _strip_accents(text)
    elif language in ("ru", "be"):
        text = text.replace("ё", "е")
    elif language in ("ar", "fa", "ur"):
        text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_ALEF)
        if language != "ar":
            text = text.translate(_PERSIAN_LETTERS if language == "fa" else _URDU_LETTERS)
    elif language == "vi":
        text = _vietnamese_tones(text)
    elif language == "zh":
        text = simplify(text)
    return text


def _vietnamese_tones(text: str) -> str:
    """The common (old) tone placement of oa, oe, uy: hoà → hòa, thuỷ → thủy."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _VI_TONE.sub(r"\1\3\2", decomposed)
    return text if moved == decomposed else unicodedata.normalize("NFC", moved)


def normalise(text: str, language: str | None = None) -> str:
    """Normalise a whole text for display-independent comparison (no stemming)."""
    return fold(text, language)


class Analyzer:
    """Word → (folded, stem) for one language, memoised because news vocabularies repeat."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._stemmer: Callable[[str], str] | None = None
        self._stem_many: Callable[[list[str]], list[str]] | None = None
        algorithm = _SNOWBALL.get(language)
        if algorithm is not None:
            snowball = snowballstemmer.stemmer(algorithm)
            self._stemmer, self._stem_many = snowball.stemWord, snowball.stemWords
            if language == "ar":
                self._snowball_ar = self._stemmer
                self._stemmer, self._stem_many = self._arabic_stem, None
        elif language in _LEMMATIZE:
            self._stemmer = self._lemma
        self._memo: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()  # snowball stemmer objects keep state between calls

    def _arabic_stem(self, word: str) -> str:
        # Snowball Arabic strips less from a bare noun than from the same noun with the
        # article (مفاوضات → مفاوضا but المفاوضات → مفاوض): stem every bare word as if it
        # had the article, and drop the conjunction of وال/فال, which it does not handle.
        if word.startswith(("وال", "فال")):
            word = word[1:]
        elif not word.startswith(("ال", "و", "ب", "ف", "ك", "ل")) and len(word) > 2:
            word = "ال" + word
        return str(self._snowball_ar(word))

    def _lemma(self, word: str) -> str:
        return str(simplemma.lemmatize(word, lang=self.language)).casefold()

    def keys(self, word: str) -> tuple[str, str]:
        """Folded form and stem of ``word``, worked out (not memoised)."""
        folded = fold(word, self.language)
        if self._stemmer is None or _is_no_space(folded):
            return folded, folded
        # Stem before removing accents: Snowball's rules for fr/es/pt/de use them.
        with self._lock:
            stem = self._stemmer(case_fold(word, self.language))
        return folded, char_fold(stem, self.language)

    def keys_many(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """``keys`` of many words at once (a vocabulary of 50,000): each word is case-folded
        once, and the stemmer takes the whole list in one call."""
        lang = self.language
        cased = [case_fold(w, lang) for w in words]
        folded = [char_fold(c, lang) for c in cased]
        if self._stemmer is None:
            return list(zip(folded, folded, strict=True))
        with self._lock:
            stems = (self._stem_many(cased) if self._stem_many is not None
                     else list(map(self._stemmer, cased)))
        return [(f, f if _is_no_space(f) else char_fold(stem, lang))
                for f, stem in zip(folded, stems, strict=True)]

    def folded(self, word: str) -> str:
        return self._memoised(word)[0]

    def stem(self, word: str) -> str:
        return self._memoised(word)[1]

    def _memoised(self, word: str) -> tuple[str, str]:
        # Rule terms repeat across rules and languages' concept lists; articles' words are
        # memoised by each compiled index's lexicon instead (monitor.rules.lexicon).
        got = self._memo.get(word)
        if got is None:
            if len(self._memo) > _CACHE_LIMIT:
                self._memo = {}  # replaced, not cleared: other threads keep the old one
            got = self._memo[word] = self.keys(word)
        return got


def _is_no_space(token: str) -> bool:
    return len(token) == 1 and _NO_SPACE_RE.match(token) is not None


class Analyzers:
    """One memoising Analyzer per language, created on first use (owned by a Matcher)."""

    def __init__(self) -> None:
        self._by_language: dict[str, Analyzer] = {}

    def get(self, language: str | None) -> Analyzer:
        key = language or DEFAULT_LANGUAGE
        got = self._by_language.get(key)
        if got is None:
            got = self._by_language.setdefault(key, Analyzer(key))
        return got


def _word_re(text: str) -> re.Pattern[str]:
    return WORD_RE if _HAS_MARKS.search(text) else _PLAIN_WORD_RE


def words(text: str) -> list[str]:
    """The raw word tokens of ``text`` (CJK/Thai: one token per character)."""
    if text.isascii():  # O(1): CPython records it
        return text.translate(_ASCII_SEPARATORS).split()
    return _word_re(text).findall(text)


def spans(text: str) -> list[tuple[int, int]]:
    """Character offsets of the tokens ``words(text)`` returns, in the same order."""
    if not text.isascii():
        return list(map(re.Match.span, _word_re(text).finditer(text)))
    parts = text.translate(_ASCII_SEPARATORS).split(" ")
    at = _ascii_starts(parts)
    return list(zip(at, map(add, at, map(len, filter(None, parts))), strict=True))


def starts(text: str) -> list[int]:
    """Where each token of ``words(text)`` starts (it ends its own length further on)."""
    if not text.isascii():
        return list(map(re.Match.start, _word_re(text).finditer(text)))
    return _ascii_starts(text.translate(_ASCII_SEPARATORS).split(" "))


def _ascii_starts(parts: list[str]) -> list[int]:
    # ``parts``: the text split on single spaces. Part k starts after the k parts before it,
    # each with its space, and the non-empty parts are the tokens. Every step runs in C (no
    # Match objects).
    return list(compress(accumulate(map(add, map(len, parts), repeat(1)), initial=0), parts))


def separated(text: str) -> str | None:
    """An ASCII text with every non-word character a space, padded with one space each side
    (for ``token_starts``); None for other text."""
    return f" {text.translate(_ASCII_SEPARATORS)} " if text.isascii() else None


def token_starts(separated_text: str, word: str, limit: int = -1) -> list[int]:
    """Offsets in the original text of the first ``limit`` tokens equal to ``word`` (every
    one when negative), in order.

    Tokens are the space-delimited runs of ``separated_text``, so a whole token is found with
    str.find: far cheaper than the spans of every token when a few hits need their offsets.
    The caller that knows how many there are says so: the search after the last one would
    read the rest of the text for nothing.
    """
    needle = f" {word} "
    find, out = separated_text.find, []
    at = find(needle)
    while at >= 0:
        out.append(at)  # the padding space shifts the text by one, the leading space back
        if len(out) == limit:
            break
        at = find(needle, at + len(word) + 1)  # the closing space may open the next one
    return out


def sentence_ends(text: str) -> list[int]:
    """Offsets where the sentences of ``text`` end (a token starting at or after the n-th
    offset is in sentence n + 1)."""
    return [m.end() for m in _SENTENCE_END.finditer(text)]
