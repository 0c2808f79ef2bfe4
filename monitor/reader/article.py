"""Raw item -> clean Article: markup to text, boilerplate lines out, canonical URL, fingerprint."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.errors import ParseError
from monitor.models import Article, RawItem
from monitor.reader import citations
from monitor.reader.dates import parse_date
from monitor.rules.language import confident_language, detect_language

log = logging.getLogger("monitor.reader")

# Scraper junk seen in real input: newsletter teasers, "read also" lines pointing at other
# stories, share and cookie prompts. A whole line that matches is dropped, so that a rule never
# fires on a headline that merely sits next to the article.
_JUNK_LINE = re.compile(
    r"""^\s*(?:
        (?:membaca|baca\s+juga|lihat\s+juga|simak\s+juga|read\s+(?:also|more)|see\s+also|
           related|also\s+read|lire\s+aussi|à\s+lire\s+aussi|lesen\s+sie\s+auch|mehr\s+zum\s+thema|
           lee\s+también|leer\s+más|leia\s+também|leia\s+mais|читайте\s+также|
           читайте\s+тако[жк]|також\s+читайте|اقرأ\s+أيضا|اقرأ\s+أيضًا|相关阅读|延伸阅读)\b.*
      | .*\b(?:newsletter|buletin|bulletin)\b.*\b(?:gratis|free|gratuit|kostenlos|sign\s+up|
           subscribe|daftar|berlangganan)\b.*
      | (?:buka\s+kunci|unlock)\b.*
      | (?:s[ií]guenos|follow\s+us|folgen\s+sie\s+uns|suivez[-\s]nous|ikuti\s+kami|segue-nos|
           siga-nos)\b.{0,120}
      | (?:dowiedz\s+si[ęe]\s+wi[ęe]cej|czytaj\s+(?:te[żz]|tak[żz]e|wi[ęe]cej)|
           zobacz\s+(?:te[żz]|tak[żz]e)|weiterlesen|mehr\s+lesen|lire\s+la\s+suite|en\s+savoir\s+plus|learn\s+more)\b.{0,80}
      | (?:share\s+(?:this|on)|bagikan|teilen|partager|compartir)\b.{0,60}
      | .*\b(?:we\s+use\s+cookies|this\s+(?:site|website)\s+uses\s+cookies|accept\s+cookies)\b.*
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|_ga|igshid|"
                       r"ref_src|cmpid|ocid|ito|at_medium|at_campaign)$", re.IGNORECASE)

# Caps on what one item may bring: a title is a line, not a document (a 9 MB title was seen);
# the body is capped at the text of the largest document fetched.
MAX_TITLE_CHARS = 1000
MAX_AUTHOR_CHARS = 200
# Two million characters is a very long transcript; more is a dump, not an article. The cap
# bounds the regex and hashing passes below, each of which holds the GIL for its whole input
# (a 10 MB body held it ~0.4 s a pass, stalling the event loop's thread).
MAX_BODY_CHARS = 2_000_000
MAX_JUNK_LINE_CHARS = 1000  # junk lines are short teasers: a longer line is never one
MAX_URL_CHARS = 8192  # longer than any server accepts

_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
               "article", "blockquote", "pre", "header", "footer", "ul", "ol", "table", "hr"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "aside", "form"}
# A page's header and footer link to the same pages under every article (the owner, its
# apps, its partners): their text is kept, their links are no citation.
_CHROME_TAGS = {"header", "footer"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.hrefs: list[str] = []  # the text's links, in order (navigation skipped)
        self._skip = 0
        self._chrome = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CHROME_TAGS:
            self._chrome += 1
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "a":
            href = dict(attrs).get("href")
            if href and not (self._skip or self._chrome) and len(
                    self.hrefs) < citations.MAX_READ:
                self.hrefs.append(href)
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CHROME_TAGS and self._chrome:
            self._chrome -= 1
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


_MARKUP_OPEN = re.compile(r"<[A-Za-z/!?]")  # what starts a tag, comment or declaration


def _closed(markup: str) -> str:
    """``markup`` without a tag, comment or declaration left open at its end.

    HTML drops such a tail (end of input inside a tag). The standard library's parser
    instead went back to each ``<`` in it and read on to the end again: 240 KB of ``<link ``
    in one feed item took minutes of CPU in a worker thread, and held up the daemon's stop.
    """
    m = _MARKUP_OPEN.search(markup, markup.rfind(">") + 1)
    return markup if m is None else markup[:m.start()]


def html_to_text(markup: str) -> tuple[str, str, list[str]]:
    """(title, text, links) of an HTML fragment or page; blocks become lines, the links are
    the text's (not the navigation's, header's or footer's), as written."""
    parser = _TextParser()
    parser.feed(_closed(markup))
    parser.close()
    return " ".join(parser.title.split()), "".join(parser.parts), parser.hrefs


def clean_text(text: str, is_junk: Callable[[str], bool] | None = None) -> str:
    """Lines trimmed, blank runs folded to one empty line, junk lines dropped."""
    junk = is_junk or (lambda line: len(line) <= MAX_JUNK_LINE_CHARS
                       and bool(_JUNK_LINE.match(line)))
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        if junk(line):
            continue
        lines.append(line)
    return "\n".join(lines).strip()


def canonical_url(url: str | None) -> str | None:
    """The http(s) URL without tracking parameters and fragment, host lower-cased; None for
    anything else (``javascript:``, ``data:``, ``file:``, no host): an article's link is
    sent to receivers and shown to people, who may click it."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query,
                       ""))


def capped(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word when one is near, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def content_hash(title: str, body: str) -> str:
    """Same words, same hash: white space and case do not count."""
    norm = " ".join(f"{title}\n{body}".casefold().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def extract(item: RawItem, *, source_id: int | None = None,
            labels: tuple[str, ...] = (), check_language: bool = True) -> Article:
    """Turn a raw item into a clean Article; ``check_language``: a declared language is
    checked against a detection (else believed)."""
    # Raw text past a generous multiple of the caps is cut before any work is spent on it.
    title, body = item.title[:MAX_TITLE_CHARS * 8], item.content[:MAX_BODY_CHARS * 2]
    # Markup needs parsing only when there is some (feeds label plain text text/html too).
    hrefs: list[str] = []
    if "html" in item.content_type and ("<" in body or "&" in body):
        page_title, body, hrefs = html_to_text(body)
        title = title or page_title
    title = " ".join(clean_text(title).split())
    body = clean_text(body)
    if not title and body:
        first, _, rest = body.partition("\n")
        title = first
        if len(first) <= MAX_TITLE_CHARS:  # else the line stays whole in the body
            body = rest.strip()
    title = capped(title, MAX_TITLE_CHARS)
    body = capped(body, MAX_BODY_CHARS)
    author = capped(" ".join(item.author.split()), MAX_AUTHOR_CHARS) if item.author else None
    url = canonical_url(item.url)
    return Article(
        title=title, body=body, url=url, guid=item.guid,
        language=_language(item, title, body, source_id, check_language),
        published=item.published, author=author or None, source_id=source_id,
        source_labels=labels, content_hash=content_hash(title, body),
        links=citations.cited(hrefs, url, canonical_url),
    )


# Languages the detector cannot tell apart on news text: a feed that declares one of them is
# believed even when the detector prefers its kin.
_KIN = ({"id", "ms"}, {"hr", "sr", "bs"}, {"da", "no", "nb", "nn"}, {"gl", "es"}, {"gl", "pt"})


def declared_language(item: RawItem) -> str:
    """The item's declared language as a bare code ("en" of "en-GB"), or ""."""
    return (item.language or "")[:35].split("-")[0].split("_")[0].strip().lower()


def _language(item: RawItem, title: str, body: str, source_id: int | None,
              check: bool) -> str | None:
    # The first thousand characters tell the language as well as the whole text, and the
    # detector's cost grows with the length.
    sample = f"{title}\n{body[:1000]}"
    declared = declared_language(item)
    if not declared:
        return detect_language(sample)
    if not check:
        return declared
    # Feeds misdeclare (a feed declared Kannada carries English text), and a wrong language
    # silences every rule: a confident detection that disagrees wins, and is logged.
    # A few hundred characters settle it; the detector's cost grows with the length, and it
    # runs on every item of every feed.
    detected = confident_language(sample[:400])
    if detected is None or detected == declared or any(
            {detected, declared} <= kin for kin in _KIN):
        return declared
    log.info("article.language.mismatch", extra={
        "source": source_id, "url": item.url, "declared": declared, "detected": detected})
    return detected


def extract_page(markup: bytes | str, url: str | None = None) -> RawItem | None:
    """The main text and metadata of an article page (trafilatura, comments off), as a RawItem;
    None when the page holds no article text."""
    import trafilatura  # heavy: loaded with the first page, not with every command

    try:
        doc = trafilatura.bare_extraction(markup, url=url, include_comments=False,
                                          with_metadata=True, include_tables=True,
                                          favor_recall=False)
    except (ValueError, TypeError, LookupError) as exc:  # broken markup or codec
        raise ParseError(f"cannot read the page: {exc}") from exc
    if doc is None:
        return None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = str(data.get("text") or "").strip()
    title = str(data.get("title") or "").strip()
    if not text and not title:
        return None
    page_url = url or (str(data["url"]) if data.get("url") else None)
    return RawItem(
        title=title, content=text, content_type="text/plain", url=page_url,
        guid=canonical_url(page_url) if page_url else None,
        published=parse_date(str(data["date"])) if data.get("date") else None,
        author=str(data["author"]) if data.get("author") else None,
        language=str(data["language"]) if data.get("language") else None,
    )
