"""Event keys: who and how many an article names, to tell a new event from a copy.

Wire copy is formulaic: "Canada imposes sanctions on Belarusian officials" and the same with
Japan are a few words apart, close enough for SimHash to call them copies, yet they are two
events and two alerts. What tells them apart is what the words around them do not: the
actors, places and figures. An article's event key holds its proper nouns (capitalised words
never written in lower case in the text, folded to lower case and without accents) and its
numbers (grouping normalised: 1,200 / 1.200 / 1 200 are 1200), read from the lead, where an
event is told (credits, links and sign-offs trail below it; headlines are rewritten by
each outlet), or from title and lead when the lead is a line.

Two articles report distinct events when each names something the other does not, in either
class: the Japan copy names Japan and Tokyo and not Canada or Ottawa. A copy that only adds
(a dateline, "Updated", an agency's name) or only drops (a trimmed last paragraph) stays a copy.
"""

from __future__ import annotations

import re
import unicodedata

LEAD = 1200  # characters of the body read for the key, after the title
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# A number: digits grouped by thousands (1,200 · 1.200 · 1 200), else digits with one decimal
# part, else plain digits. Not part of a word (a "G7" or "M23" is a name, not a figure).
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:([,.  ])\d{3})(?:\1\d{3})*(?![\d])"
                     r"|\d+(?:[.,]\d+)?)(?![\w])")
_NAME, _FIGURE = "@", "#"
# Words that open sentences in the feeds' languages and are no names; a sentence-opening
# word not listed here counts as a name only if the article never writes it in lower case.
_COMMON_WORDS = """
a an the this that these those there it its he she they we you i his her their our
in on at for from by with after before as but and or if when while since during over
however meanwhile also still yet then now today yesterday tomorrow earlier later
officials authorities police ministers minister government president reports according
more most some many several other another both all each no not new
der die das ein eine und im am es sie er wir le la les un une des et il elle ils en
el los las una y lo se del al ella ello o il lo gli uno e di da per con nel
de het een en ook op van in dat
o os um uma e do da em no na
yang dan di ke ini itu dalam untuk pada
"""
_COMMON = frozenset(_COMMON_WORDS.split())
MIN_LEAD_WORDS = 20  # a shorter lead (a one-line description) is read with its title


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def _names(text: str, lower: set[str]) -> set[str]:
    """Capitalised words of ``text`` never written in lower case in the article. A word
    opening a sentence is capitalised whatever it is: there, a common word is no name."""
    out: set[str] = set()
    for m in _WORD.finditer(text):
        w = m.group(0)
        if not w[0].isupper() or len(w) < 2 or w.lower() in lower:
            continue
        if _opens_sentence(text, m.start()) and w.casefold() in _COMMON:
            continue
        out.add(_fold(w))
    return out


def _opens_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t\"'“‘«(")
    return not before or before[-1] in ".!?…:;\n-–—"


def figures(text: str) -> set[str]:
    """The numbers of ``text``, grouping and decimal commas normalised."""
    out: set[str] = set()
    for m in _NUMBER.finditer(text):
        grouped = m.group(1) is not None  # thousands grouping: drop the separators
        value = re.sub(r"\D", "", m.group(0)) if grouped else m.group(0).replace(",", ".")
        whole, dot, part = value.partition(".")
        out.add((whole.lstrip("0") or "0") + dot + part)  # 007 is 7; 0.5 stays 0.5
    return out


def event_key(title: str, body: str) -> str:
    """The article's event key: its names and figures, space-separated, sorted."""
    lead = body[:LEAD]
    # Outlets rewrite headlines (and some capitalise every word of them): with a lead long
    # enough to tell the event, the key is the lead's alone.
    short = len(_WORD.findall(lead)) < MIN_LEAD_WORDS
    text = f"{title}\n{lead}" if short else lead
    lower = {w for w in _WORD.findall(text) if w.islower()}
    names = _names(lead, lower)
    found = figures(text)
    if short:
        # A headline's first word is capitalised whatever it is ("Evacuation ordered"): it
        # counts when the lead names it too.
        first = _WORD.search(title)
        opening = _fold(first.group(0)) if first else ""
        names |= {n for n in _names(title, lower) if n != opening or n in names}
    return " ".join(sorted({_NAME + n for n in names} | {_FIGURE + f for f in found}))


def distinct(a: str | None, b: str | None) -> bool:
    """Whether two event keys name two events: in names or in figures, each side has one the
    other lacks. An unknown key (an article stored before keys were kept) is never distinct."""
    if a is None or b is None or a == b:
        return False
    left, right = set(a.split()), set(b.split())
    only_left, only_right = left - right, right - left
    return any(any(k.startswith(kind) for k in only_left)
               and any(k.startswith(kind) for k in only_right)
               for kind in (_NAME, _FIGURE))
