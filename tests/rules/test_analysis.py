"""Per-language normalisation, stemming, tokenisation and detection."""

from __future__ import annotations

import bisect

import pytest

from monitor.rules.analysis import Analyzer, fold, sentence_ends, spans, words
from monitor.rules.language import detect_language


@pytest.mark.parametrize(("language", "word", "folded"), [
    ("tr", "İSTANBUL", "istanbul"),
    ("tr", "IRAK", "ırak"),
    ("az", "İlham", "ilham"),
    ("en", "İSTANBUL", "istanbul"),  # casefold gives i + combining dot; accent folding drops it
    ("ru", "İSTANBUL", "i̇stanbul"),  # no accent folding: the dot stays
    ("fr", "Négociations", "negociations"),
    ("es", "Sanción", "sancion"),
    ("pt", "Sanções", "sancoes"),
    ("de", "Straße", "strasse"),
    ("de", "Gespräche", "gesprache"),
    ("tr", "Görüşme", "görüşme"),  # Turkish letters are distinct: no accent folding
    ("pl", "Łódź", "łódź"),
    ("ru", "Ёлка", "елка"),
    ("uk", "Київ", "київ"),  # ї is a letter of its own
    ("uk", "Йорк", "йорк"),
    ("ar", "مُفَاوَضَات", "مفاوضات"),
    ("ar", "أمريكا", "امريكا"),
    ("en", "ﬁnance", "finance"),  # NFKC
    ("zh", "ＡＢＣ", "abc"),
])
def test_fold(language: str, word: str, folded: str) -> None:
    assert fold(word, language) == folded


@pytest.mark.parametrize(("language", "a", "b"), [
    ("ru", "санкции", "санкций"),
    ("ru", "посольство", "посольства"),
    ("id", "perundingan", "berunding"),
    ("id", "sanksi", "sanksinya"),
    ("ar", "مفاوض", "المفاوض"),
    ("ar", "مفاوضات", "المفاوضات"),
    ("ar", "عقوبات", "والعقوبات"),
    ("uk", "санкції", "санкціями"),  # simplemma lemmas: Snowball has no Ukrainian
    ("uk", "посольства", "посольство"),
    ("en", "negotiations", "negotiation"),
    ("fr", "ambassades", "ambassade"),
    ("de", "Sanktionen", "Sanktion"),
    ("es", "sanciones", "sanción"),
    ("pt", "negociações", "negociação"),
])
def test_stems_agree(language: str, a: str, b: str) -> None:
    analyzer = Analyzer(language)
    assert analyzer.stem(a) == analyzer.stem(b)


@pytest.mark.parametrize(("text", "expected"), [
    ("中国对俄实施制裁", ["中", "国", "对", "俄", "实", "施", "制", "裁"]),
    ("日本は制裁を", ["日", "本", "は", "制", "裁", "を"]),
    ("การเจรจา", ["ก", "า", "ร", "เ", "จ", "ร", "จ", "า"]),
    ("l'ambassade AS-Rusia", ["l", "ambassade", "AS", "Rusia"]),
    ("مُفاوَضات السلام", ["مُفاوَضات", "السلام"]),
    ("Sanctions: U.S. firms", ["Sanctions", "U", "S", "firms"]),
])
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert [text[a:b] for a, b in spans(text)] == expected


def test_sentences() -> None:
    text = "Sanctions hit U.S. firms. The embassy closed!\n\nNew para 中国制裁。新的"
    ends = sentence_ends(text)  # a token starting at or after the n-th end is in sentence n + 1
    ids = [bisect.bisect_right(ends, start) for start, _end in spans(text)]
    assert ids == [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3]


@pytest.mark.parametrize(("text", "language"), [
    ("The foreign ministry said the embassy would close on Monday after the protests.", "en"),
    ("Министерство иностранных дел заявило, что посольство закроется в понедельник.", "ru"),
    ("Міністерство закордонних справ заявило, що посольство закриється в понеділок.", "uk"),
    ("外交部表示，大使馆将于周一关闭，以回应抗议活动。", "zh"),
    ("وقالت وزارة الخارجية إن السفارة ستغلق يوم الاثنين بعد الاحتجاجات.", "ar"),
])
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_detect_language_needs_text() -> None:
    assert detect_language("short") is None
