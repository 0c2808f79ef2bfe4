"""Traditional Chinese characters folded to Simplified ones, so that one term list (談判 and
谈判) serves news from Taiwan and Hong Kong as well as from the mainland.

The table is OpenCC's character list (``TSCharacters.txt``), read once. Only one-to-one
mappings are used: Chinese is matched character by character and folding must keep every
offset into the original text (evidence points there). A character with several simplified
forms takes OpenCC's first, its default.
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def simplified_table() -> dict[int, str]:
    """``str.translate`` table from Traditional to Simplified characters."""
    text = (resources.files("opencc") / "dictionary" / "TSCharacters.txt").read_text("utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        source, _tab, targets = line.partition("\t")
        target = targets.split(" ", 1)[0]
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = target
    return table


def simplify(text: str) -> str:
    """``text`` with Traditional characters replaced by Simplified ones (same length)."""
    return text.translate(simplified_table())
