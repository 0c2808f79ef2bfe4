"""News sitemaps (``<urlset>`` with ``<news:news>``) and sitemap indexes pointing at them.

Each ``<url>`` becomes an item: the news title, publication date, language and keywords, with
the article URL as its identity. An index is followed to its newest child sitemaps (a few).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from lxml import etree

from monitor.errors import ParseError, SourceError
from monitor.models import RawItem
from monitor.reader.dates import parse_date
from monitor.reader.fetcher import FetchResult
from monitor.reader.parsers.base import HTTPSource, PollResult
from monitor.reader.parsers.feed import strip_doctype

MAX_CHILDREN = 3


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(node: etree._Element, name: str) -> str:
    for child in node.iter():
        if _local(child.tag) == name and child.text:
            return str(child.text).strip()
    return ""


def _parse_xml(content: bytes) -> etree._Element:
    # No entities, no network, no huge trees: a sitemap is data from a stranger.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=True, remove_comments=True, load_dtd=False)
    try:
        root = etree.fromstring(strip_doctype(content), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not a readable sitemap: {exc}") from None
    if root is None:
        raise ParseError("not a readable sitemap: empty document")
    return root


def parse_sitemap(content: bytes) -> tuple[list[RawItem], list[tuple[str, datetime | None]]]:
    """(items of a urlset, child sitemaps of an index with their lastmod)."""
    root = _parse_xml(content)
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = []
        for node in root:
            if _local(node.tag) == "sitemap":
                loc = _child_text(node, "loc")
                if loc:
                    children.append((loc, parse_date(_child_text(node, "lastmod"))))
        return [], children
    if kind != "urlset":
        raise ParseError(f"not a sitemap: the root element is <{kind}>")
    items: list[RawItem] = []
    for node in root:
        if _local(node.tag) != "url":
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        news = next((n for n in node if _local(n.tag) == "news"), None)
        title = _child_text(news, "title") if news is not None else ""
        keywords = _child_text(news, "keywords") if news is not None else ""
        when = (_child_text(news, "publication_date") if news is not None else "") \
            or _child_text(node, "lastmod")
        language = _child_text(news, "language") if news is not None else ""
        items.append(RawItem(title=title, content=keywords, url=loc, guid=loc,
                             published=parse_date(when), language=language or None))
    return items, []


class SitemapSource(HTTPSource):
    """A news sitemap (or an index of them) at a URL."""

    kind = "sitemap"

    async def read(self, result: FetchResult) -> PollResult:
        """The items of a fetched sitemap, following an index to its newest children."""
        items, children = await asyncio.to_thread(parse_sitemap, result.content)
        problems: list[str] = []
        newest = sorted(children, key=lambda c: c[1].timestamp() if c[1] else 0.0,
                        reverse=True)[:MAX_CHILDREN]
        for url, _when in newest:
            try:
                child = await self.fetcher.get(url)
                child_items, _nested = await asyncio.to_thread(parse_sitemap, child.content)
                items.extend(child_items)
            except SourceError as exc:  # one bad child must not lose the others
                problems.append(f"{url}: {exc}")
        return PollResult(items, validators=result.validators, new_url=result.permanent_url,
                          headers=result.headers, problems=problems)
