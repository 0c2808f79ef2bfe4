"""OPML subscription lists: tolerant import (real lists are often malformed) and export.

Import reads the list strictly when it is well-formed XML, else leniently (lxml's recovering
parser, then a scan of the raw ``<outline>`` tags for what recovery lost, e.g. after an
unescaped quote). Folders become labels. Every entry not imported is reported with its reason.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from monitor.errors import ParseError
from monitor.reader.parsers.feed import strip_doctype

_OUTLINE = re.compile(rb"<outline\b([^>]*?)/?>", re.IGNORECASE | re.DOTALL)
_XMLURL = re.compile(rb"""\bxmlUrl\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TEXT = re.compile(rb"""\b(?:title|text)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_KIND_ATTR = "monitorKind"
_LISTS = ("source", "include")  # type="link" with an xmlUrl is a feed (WordPress)


@dataclass(frozen=True)
class OPMLEntry:
    """One subscription found in a list."""

    url: str
    title: str | None = None
    labels: tuple[str, ...] = ()
    kind: str = "feed"


@dataclass
class OPMLImport:
    """What a list holds: entries to add, entries skipped (and why), document problems."""

    entries: list[OPMLEntry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _label(text: str) -> str:
    return "-".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _attr(node: etree._Element, *names: str) -> str:
    lower = {str(k).lower(): str(v) for k, v in node.attrib.items()}
    for name in names:
        value = lower.get(name.lower())
        if value and value.strip():
            return html.unescape(value.strip())
    return ""


def _categories(value: str) -> list[str]:
    out = []
    for part in value.split(","):
        for piece in part.strip().strip("/").split("/"):
            if piece.strip():
                out.append(_label(piece))
    return [x for x in out if x]


def _check_url(url: str) -> str | None:
    """Why this URL cannot be a source, or None when it can."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL (scheme {parts.scheme or 'missing'!r})"
    if not parts.hostname:
        return "URL without a host"
    return None


class _Collector:
    def __init__(self) -> None:
        self.result = OPMLImport()
        self.seen: set[str] = set()

    def add(self, url: str, title: str | None, labels: Iterable[str], kind: str,
            where: str) -> None:
        url = url.strip()
        name = title or url or where
        if not url:
            self.result.skipped.append((name, "no xmlUrl attribute"))
            return
        why = _check_url(url)
        if why:
            self.result.skipped.append((url, why))
            return
        if url in self.seen:
            self.result.skipped.append((url, "listed twice"))
            return
        self.seen.add(url)
        kind = kind or "feed"  # an unknown kind is refused, with its reason, by the importer
        self.result.entries.append(OPMLEntry(url, title or None,
                                             tuple(dict.fromkeys(x for x in labels if x)), kind))


def _walk(node: etree._Element, labels: tuple[str, ...], out: _Collector) -> None:
    for child in node:
        if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1].lower() != "outline":
            continue
        url = _attr(child, "xmlUrl", "xmlurl")
        title = _attr(child, "title", "text")
        kids = [c for c in child if isinstance(c.tag, str)]
        own = tuple(_categories(_attr(child, "category")))
        otype = _attr(child, "type").lower()
        if url and otype in _LISTS:
            out.seen.add(url)
            out.result.skipped.append((url, f"a link to another subscription list "
                                            f"(type={otype}); import that list itself"))
        elif url:
            out.add(url, title, (*labels, *own), _attr(child, _KIND_ATTR) or "feed",
                    f"line {child.sourceline}")
        elif kids:
            folder = _label(title) if title else ""
            _walk(child, (*labels, folder) if folder else labels, out)
        elif _attr(child, "type").lower() in ("rss", "atom"):
            out.add("", title, labels, "feed", f"line {child.sourceline}")
        # Other outlines without xmlUrl are notes or links, not subscriptions: nothing to skip.


def parse_opml(data: bytes) -> OPMLImport:
    """The subscriptions of an OPML document, tolerating what real lists get wrong."""
    out = _Collector()
    clean = strip_doctype(data)
    strict = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(clean, parser=strict)
    except etree.XMLSyntaxError as exc:
        out.result.problems.append(f"not well-formed XML ({exc}); read leniently")
        lenient = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                  recover=True)
        try:
            root = etree.fromstring(clean, parser=lenient)
        except etree.XMLSyntaxError:
            root = None
    raw_urls = {html.unescape((m.group(1) or m.group(2) or b"").decode("utf-8", "replace"))
                .strip() for m in _XMLURL.finditer(clean)}
    if root is not None:
        body = next((n for n in root.iter() if isinstance(n.tag, str)
                     and n.tag.rsplit("}", 1)[-1].lower() == "body"), root)
        _walk(body, (), out)
    if out.result.problems and raw_urls:
        # Recovery mangles attribute values around the error (``a&b`` becomes ``a=b``): when
        # the document was broken, the raw tags are the better witness of each URL.
        kept = [e for e in out.result.entries if e.url in raw_urls]
        out.seen = {e.url for e in kept}
        out.result.entries = kept
    # Recovery drops outlines after some errors (an unescaped quote in a title, a second
    # document glued to the first); a scan of the raw tags finds those.
    for m in _OUTLINE.finditer(clean):
        url_m = _XMLURL.search(m.group(1))
        if not url_m:
            continue
        url = html.unescape((url_m.group(1) or url_m.group(2) or b"").decode("utf-8", "replace"))
        if url.strip() in out.seen or re.search(rb"""\btype\s*=\s*["'](?:source|include)""",
                                                 m.group(1), re.IGNORECASE):
            continue
        text_m = _TEXT.search(m.group(1))
        title = html.unescape((text_m.group(1) or text_m.group(2) or b"").decode(
            "utf-8", "replace")) if text_m else None
        out.add(url, title, (), "feed", "raw scan")
    if root is None and not out.result.entries:
        raise ParseError("not an OPML document: nothing readable in it")
    return out.result


@dataclass(frozen=True)
class ExportEntry:
    url: str
    kind: str
    title: str | None
    labels: Sequence[str]


def export_opml(entries: Iterable[ExportEntry], *, now: datetime,
                title: str = "monitor sources") -> bytes:
    """An OPML 2.0 document listing the sources (labels as categories)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    body = etree.SubElement(root, "body")
    for e in entries:
        node = etree.SubElement(body, "outline", text=e.title or e.url, type="rss",
                                xmlUrl=e.url)
        if e.title:
            node.set("title", e.title)
        if e.labels:
            node.set("category", ",".join(f"/{x}" for x in e.labels))
        if e.kind != "feed":
            node.set(_KIND_ATTR, e.kind)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))
