"""Fast reader of plain RSS 2.0 with lxml: the entries feedparser would build, or None.

feedparser walks every element through Python SAX callbacks; for a plain RSS 2.0 document
that is most of the time a poll costs. This module reads the common subset (the RSS 2.0 item
elements, ``content:encoded`` and ``dc:creator``, UTF-8) with lxml and builds the same entry
dicts feedparser builds, applying feedparser's own fix-ups (whitespace, link repair, base URI,
mis-decoded UTF-8, cp1252 controls, its date parser), so that ``feed.py`` turns either into
identical items. Anything outside that subset (another format or encoding, unknown elements,
``xml:base``/``xml:lang``, markup inside a text element, a repeated element, a parse error)
gives None, and the caller uses feedparser. ``tests/test_fastfeed.py`` compares both on the
whole corpus.

The parser is safe by construction: the caller has cut the DOCTYPE out, entities are not
resolved, nothing is fetched, and huge documents are refused.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import urljoin

from feedparser.datetimes import _parse_date
from lxml import etree

_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
_SYNDICATION = "{http://purl.org/rss/1.0/modules/syndication/}"
# Item elements read here, and those ignored (categories, comment links and enclosures carry
# nothing monitor keeps, and feedparser keeps them away from the fields read here); any other
# element sends the whole document to feedparser.
_ITEM_TEXT = frozenset({"title", "link", "description", "author", "guid", "pubDate",
                        _CONTENT, _CREATOR})
_ITEM_IGNORED = frozenset({"category", "comments", "enclosure",
                           "{http://purl.org/rss/1.0/modules/slash/}comments",
                           "{http://wellformedweb.org/CommentAPI/}commentRss"})
_CHANNEL = frozenset({"title", "link", "description", "language", "copyright", "managingEditor",
                      "webMaster", "pubDate", "lastBuildDate", "category", "generator", "docs",
                      "cloud", "ttl", "image", "rating", "textInput", "skipHours", "skipDays",
                      "item", _ATOM_LINK})
# Attributes through which feedparser changes the base URI or language of what they enclose.
_SCOPED = frozenset({"lang", "base", "{http://www.w3.org/XML/1998/namespace}lang",
                     "{http://www.w3.org/XML/1998/namespace}base"})
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
_URIFIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
# An absolute http(s) URL urlsplit/urlunsplit give back as it is: printable ASCII, no blank,
# no ";" params, no IPv6 brackets, a host (not a slash, "?" or "#") right after the scheme.
_URL_CHAR = r"[^\[\];\s\x00-\x1f\x7f-\U0010ffff]"
_PLAIN_ABSOLUTE = re.compile(rf"https?://(?![/?#]){_URL_CHAR}+\Z")
_LINK_ENTITY = re.compile("&([A-Za-z0-9_]+);")
# feedparser maps the C1 controls a cp1252 document decoded as Latin-1 leaves to their glyphs.
_CP1252 = {c: bytes([c]).decode("cp1252") for c in range(128, 160)
           if c not in (129, 141, 143, 144, 157)}
_UTF8 = ("utf-8", "utf8")


def _fix(text: str) -> str:
    """feedparser's clean-up of every value: trimmed, UTF-8 read as Latin-1 repaired, C1
    controls mapped to their cp1252 characters."""
    text = text.strip()
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_CP1252)


def _urljoin(base: str, uri: str) -> str:
    """feedparser's URI resolution (``feedparser.urls._urljoin``)."""
    if _PLAIN_ABSOLUTE.match(uri) and not uri.endswith(("?", "#")) and "?#" not in uri:
        # urljoin would give it back unchanged (it only re-joins its own split of it), and
        # nearly every link is such a URL: a third of the fast path's time saved.
        return uri
    uri = _URIFIXER.sub(r"\1\3", uri)
    try:
        return urljoin(base, uri)
    except ValueError:
        return ""


def _utf8(content: bytes, headers: dict[str, str]) -> bool:
    """Whether the document is UTF-8 by every account feedparser would listen to."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00", b"\x00<", b"<\x00")):
        return False
    m = _CHARSET.search(headers.get("content-type", ""))
    if m and m.group(1).lower() not in _UTF8:
        return False
    head = content[3:200] if content.startswith(b"\xef\xbb\xbf") else content[:200]
    declared = _ENCODING.match(head)
    return declared is None or declared.group(1).decode("latin-1").lower() in _UTF8


def _text(el: Any) -> str | None:
    """The element's text, or None when it holds markup, comments or attributes."""
    if len(el) or el.attrib:
        return None
    return str(el.text or "")


def _item(item: Any, base: str) -> dict[str, Any] | None:
    """The feedparser entry of one <item>, or None when it holds anything unusual."""
    if item.attrib:
        return None
    values: dict[str, str] = {}
    permalink = True
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or processing instruction between elements
        if tag in _ITEM_IGNORED:
            if len(child):
                return None  # feedparser reads elements nested in them (an <image> title...)
            continue
        if tag not in _ITEM_TEXT or tag in values:
            return None  # unknown (feedparser may map it) or repeated (feedparser picks one)
        if tag == "guid" and list(child.attrib) == ["isPermaLink"] and not len(child):
            permalink = child.get("isPermaLink") == "true"
            text: str | None = str(child.text or "")
        else:
            text = _text(child)
        if text is None:
            return None
        values[tag] = text
    if "author" in values and _CREATOR in values:
        return None
    entry: dict[str, Any] = {}
    if "title" in values:
        entry["title"] = _fix(values["title"])
    if "guid" in values:
        ident = values["guid"].strip()
        if ident and permalink:
            ident = _urljoin(base, ident)
        entry["id"] = ident = _fix(ident)
        if permalink:
            entry["link"] = ident  # a permalink guid is the link unless <link> says otherwise
    if "link" in values:
        link = values["link"].strip()
        if link:
            link = _urljoin(base, link)
        link = _fix(link).replace("&amp;", "&")
        entry["link"] = _LINK_ENTITY.sub(r"&\g<1>", link)
    content = values.get(_CONTENT)
    if content is not None:
        entry["content"] = [{"value": _fix(content), "type": "text/html"}]
        entry["summary"] = entry["content"][0]["value"]
    if "description" in values:
        entry["summary"] = _fix(values["description"])
        entry["summary_detail"] = {"type": "text/html"}
    author = values.get("author", values.get(_CREATOR))
    if author is not None:
        entry["author"] = _fix(author)
    if "pubDate" in values:
        entry["published"] = when = _fix(values["pubDate"])
        entry["published_parsed"] = _parse_date(when)
    return entry


def read_plain_rss(content: bytes, headers: dict[str, str]) -> tuple[dict[str, Any],
                                                                     list[dict[str, Any]]] | None:
    """(feed, entries) as feedparser would build them for a plain UTF-8 RSS 2.0 document
    (DOCTYPE already cut out); None for anything else."""
    if b"<rss" not in content[:1024] or not _utf8(content, headers):
        return None
    base = headers.get("content-location", "")
    if base:
        if not base.startswith(("http://", "https://")):
            return None
        base = _urljoin(base, base)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, remove_blank_text=False)
    try:
        root = etree.fromstring(content, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if (root.tag != "rss" or set(root.attrib) != {"version"}
            or not root.get("version", "").startswith("2.") or len(root) != 1):
        return None
    channel = root[0]
    if channel.tag != "channel" or channel.attrib:
        return None
    items: list[Any] = []
    singles: dict[str, str] = {}
    for child in channel:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # a comment or processing instruction between elements
        if tag not in _CHANNEL and not tag.startswith(_SYNDICATION):
            return None
        if tag == "item":
            items.append(child)
        elif tag in ("title", "language", "ttl"):
            text = _text(child)
            if text is None or tag in singles:
                return None
            singles[tag] = text
    count = 0
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.attrib and _SCOPED.intersection(el.attrib):
            return None
        if el.tag in ("item", "entry") or el.tag.endswith(("}item", "}entry")):
            count += 1
    if count != len(items):
        return None  # an item somewhere feedparser would also read
    entries = []
    for item in items:
        entry = _item(item, base)
        if entry is None:
            return None
        entries.append(entry)
    feed: dict[str, Any] = {}
    language = headers.get("content-language")
    if language:
        feed["language"] = language.replace("_", "-")
    for tag, text in singles.items():
        feed[tag] = _fix(text)
    return feed, entries
