"""The generated month names (``months.json``): how each language writes the twelve months,
from CLDR through Babel, for ``textdates`` to read dates in article text.

``monitor rules gazetteer`` rewrites the committed file with the actors concept (both are
CLDR's, of the one pinned Babel); with ``--check`` it only says whether they are what Babel
gives. Babel is needed only here (the ``gazetteer`` extra): the daemon reads the committed file.
"""

from __future__ import annotations

import json
from pathlib import Path

# The gazetteer's languages and the other ones news in the labelled sets is written in. Chinese,
# Japanese and Korean write a month as its figure (2月, 2월): ``textdates`` reads those itself.
# Arabic outlets of the Levant and Iraq name the months in Syriac (شباط), of Egypt and the Gulf
# after the Latin ones (فبراير): both are listed under "ar".
LANGUAGES = ("ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr",
             "he", "hi", "hr", "hu", "id", "it", "lt", "lv", "ml", "mr", "ms", "nb", "nl", "pl",
             "pt", "ro", "ru", "sk", "sl", "sr", "sv", "ta", "te", "th", "tl", "tr", "uk", "ur",
             "vi")
_VARIANTS = {"ar": ("ar", "ar_SY", "ar_IQ"), "sr": ("sr", "sr_Latn")}
TARGET = Path(__file__).with_name("months.json")


def _forms(name: str) -> set[str]:
    """A month name as text writes it: in CLDR's case (a capital tells English "May" from
    "may"), without the dots of an abbreviation, and the Devanagari nukta left out (फ़रवरी is
    also written फरवरी)."""
    plain = name.replace(".", "").replace("\u093c", "").replace("॰", "").strip()
    return {plain} if len(plain) >= 3 else set()


def generate() -> str:
    """The file's text: per language, per month (1 to 12), its names, sorted."""
    from babel import Locale

    table: dict[str, list[list[str]]] = {}
    for language in LANGUAGES:
        months: list[set[str]] = [set() for _ in range(12)]
        for variant in _VARIANTS.get(language, (language,)):
            locale = Locale.parse(variant)
            for context in ("format", "stand-alone"):
                for width in ("wide", "abbreviated"):
                    for number, name in locale.months[context][width].items():
                        months[number - 1] |= _forms(str(name))
        table[language] = [sorted(names) for names in months]
    return json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
