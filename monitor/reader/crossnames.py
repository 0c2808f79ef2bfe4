"""Names across scripts: an article's names and figures as keys that read the
same in every language, the evidence that links a translation to its original.

"Sergei Lavrov", "Сергей Лавровым" (Russian declines names), "لافروف" and "ラブロフ" are one man.
Each name is transliterated to ASCII (``anyascii``: ISC licence, kept up to date with Unicode,
one table per script) and reduced to a *skeleton*: vowels, ``h`` and ``y`` dropped (Arabic and
Russian spell them differently or not at all), consonants merged into classes that scripts
confuse (b/p/v/f/w: Arabic has no p or v, Japanese writes v as b; l/r: Japanese and Chinese have
one of them; m/n; k/g/q/c; s/z/x/sh), repeats collapsed, and the first five classes kept.
Slavic case endings are cut first (Трампом is Trump, ``trnb``). Lavrov is ``rbrb`` in Latin,
Cyrillic, Arabic and katakana alike. The classes are coarse on purpose (a collision costs one
shared key, and a link needs several, ``linking``), the length is not: the keys are looked up
in an index, and three classes made too few of them (about 400) to tell stories apart once
thousands are in the window.

Caseless scripts have no capitals to tell names: katakana runs (Japanese writes foreign names in
it) are names; Chinese, Korean and Arabic text is scanned for a short table of the most reported
names (``_ALIASES``), since romanised Chinese is a syllable string (特朗普 is TeLangPu) that
rarely meets its Latin spelling. ``bench/eval_linking.py`` measures how well all this links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from anyascii import anyascii

from monitor.reader import citations, eventkeys

NAME, FIGURE, LINK = "n:", "f:", "l:"  # a cited page: ``citations``
DATE = FIGURE + "d"  # a day of a month, MMDD: a figure
_KEEP = 5  # consonant classes kept: enough keys for the index, few spelling tails
_CLASSES = str.maketrans({"p": "b", "v": "b", "f": "b", "w": "b", "l": "r", "m": "n",
                          "g": "k", "q": "k", "c": "k", "z": "s", "x": "s", "j": "s"})
_DIGRAPHS = (("sh", "s"), ("ch", "s"), ("zh", "s"), ("kh", "k"), ("ph", "b"), ("th", "t"),
             ("ng", "n"), ("ck", "k"), ("ts", "s"))
_DROP = re.compile(r"[aeiouyh'\W\d_]+")
# Slavic case endings that add a consonant class (Трампом, Лавровым): cut off a long name.
_CASE_ENDING = re.compile(r"(?<=[а-яёіїєґ]{4})"
                          r"(?:ами|ями|ого|его|ому|ему|ым|им|ом|ем|ой|ей|ах|ях|ам|ям)$",
                          re.IGNORECASE)
# Arabic-Indic, Persian and full-width digits, as the figures of Latin text write them.
_DIGITS = str.maketrans({chr(base + n): str(n) for base in (0x660, 0x6F0, 0xFF10)
                         for n in range(10)})
_KATAKANA = re.compile(r"[\u30a1-\u30faー・]{2,}")
_CASELESS = re.compile(r"[\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[^\W\d_]+")
# Names written in scripts without capitals, as the one Latin word that keys them (a name of
# two words is one piece of evidence, not two): the ones news in
# Chinese, Korean, Japanese and Arabic name most (leaders, capitals, countries in conflict).
_ALIASES = {
    "trump": "特朗普 川普 トランプ 트럼프 ترامب",
    "putin": "普京 プーチン 푸틴 بوتين",
    "biden": "拜登 バイデン 바이든 بايدن",
    "zelensky": "泽连斯基 ゼレンスキー 젤렌스키 زيلينسكي",
    "jinping": "习近平 習近平 シー・ジンピン 시진핑 شي جين بينغ",
    "netanyahu": "内塔尼亚胡 ネタニヤフ 네타냐후 نتنياهو",
    "lavrov": "拉夫罗夫 ラブロフ 라브로프 لافروف",
    "rubio": "鲁比奥 ルビオ 루비오 روبيو",
    "modi": "莫迪 モディ 모디 مودي",
    "erdogan": "埃尔多安 エルドアン 에르도안 أردوغان",
    "macron": "马克龙 マクロン 마크롱 ماكرون",
    "washington": "华盛顿 ワシントン 워싱턴 واشنطن",
    "moscow": "莫斯科 モスクワ 모스크바 موسكو Москва",
    "beijing": "北京 ペキン 베이징 بكين",
    "kyiv": "基辅 キーウ キエフ 키이우 كييف Киев",
    "tehran": "德黑兰 テヘラン 테헤란 طهران",
    "gaza": "加沙 ガザ 가자 غزة",
    "israel": "以色列 イスラエル 이스라엘 إسرائيل",
    "iran": "伊朗 イラン 이란 إيران",
    "ukraine": "乌克兰 ウクライナ 우크라이나 أوكرانيا",
    "russia": "俄罗斯 ロシア 러시아 روسيا",
    "china": "中国 중국 الصين",
    "japan": "日本 일본 اليابان",
    "saudi": "沙特 サウジアラビア 사우디 السعودية",
    "states": "美国 米国 アメリカ 미국 الأمريكية الأميركية أمريكا",
}
# Latin exonyms that differ past the kept stem (Moscow/Moskva share "nsk", Kyiv/Kiev "kb").
_LATIN_ALIASES = {"us": "states", "usa": "states", "as": "states", "сша": "states",
                  "ee.uu": "states", "etats-unis": "states"}


def skeleton(word: str) -> str:
    """The cross-script key of one name: its first consonant classes, or "" when too short."""
    ascii_ = anyascii(_CASE_ENDING.sub("", word)).casefold()
    for pair, single in _DIGRAPHS:
        ascii_ = ascii_.replace(pair, single)
    consonants = _DROP.sub("", ascii_).translate(_CLASSES)
    collapsed = "".join(c for n, c in enumerate(consonants) if n == 0 or c != consonants[n - 1])
    return collapsed[:_KEEP] if len(collapsed) >= 2 else ""


def _alias_table() -> list[tuple[str, str]]:
    pairs = [(spelling, canonical) for canonical, spellings in _ALIASES.items()
             for spelling in spellings.split()]
    return sorted(pairs, key=lambda p: -len(p[0]))  # the longest spelling first


_ALIAS_PAIRS = _alias_table()


def _name_keys(name: str) -> set[str]:
    """A name's keys: one per word (a first name may be left out, or spelled another way)."""
    return {NAME + k for k in map(skeleton, _LATIN_WORD.findall(name)) if k}


def link_terms(title: str, body: str, key: str | None = None,
               links: Iterable[str] = (), dates: Iterable[str] = ()) -> tuple[str, ...]:
    """The article's language-independent terms: the skeletons of its names, its figures
    (``key``: its event key, when already made), the days of the month it names (``dates``,
    from ``textdates``: a shared day is a shared figure, whatever the year) and the pages it
    cites (``links``), sorted: the keys candidates are found by."""
    text = f"{title}\n{body[:eventkeys.LEAD]}"
    words = set((eventkeys.event_key(title, body) if key is None else key).split())
    terms = {FIGURE + w[1:].translate(_DIGITS) for w in words
             if w.startswith("#") and _telling(w[1:])}
    for w in words:
        if w.startswith("@"):
            name = _LATIN_ALIASES.get(w[1:], w[1:])
            terms |= _name_keys(name)
    if _CASELESS.search(text):
        # A figure inside CJK text is glued to its counter (24日, 第16轮): spaced out first.
        spaced = _CASELESS.sub(" ", text)
        terms |= {FIGURE + f.translate(_DIGITS) for f in eventkeys.figures(spaced)
                  if _telling(f)}
        for run in _KATAKANA.findall(text):
            terms |= _name_keys(run.replace("ー", "").replace("・", " "))
        for spelling, canonical in _ALIAS_PAIRS:
            if spelling in text:
                terms |= _name_keys(canonical)
    terms |= {DATE + day[-4:] for day in dates if len(day) >= 4}
    terms |= {LINK + citations.key(url) for url in links}
    return tuple(sorted(terms))


def headline_names(title: str, terms: Iterable[str]) -> frozenset[str]:
    """The name terms among ``terms`` that the headline ``title`` gives: whom the event is
    about, in the outlet's own words."""
    keys = {NAME + k for k in map(skeleton, _LATIN_WORD.findall(title)) if k}
    return frozenset(t for t in terms if t in keys)


def _telling(figure: str) -> bool:
    """One digit (a count written as a figure in one language, as a word in another) tells
    no event apart; a day of the month, a package's number or a toll does."""
    return len(figure) >= 2
