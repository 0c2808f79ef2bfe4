"""Sources: one module per kind, all honouring the ``Source`` contract in ``base``."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from monitor.errors import SourceError
from monitor.reader.fetcher import Fetcher, Validators
from monitor.reader.hublinks import link_tags
from monitor.reader.parsers.base import HTTPSource, PollResult, Source, early_outcome
from monitor.reader.parsers.feed import FeedSource, looks_like_json_feed, strip_doctype
from monitor.reader.parsers.folder import FolderSource
from monitor.reader.parsers.page import PageSource
from monitor.reader.parsers.sitemap import SitemapSource

KINDS = ("folder", "feed", "page", "sitemap")

_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def guess_kind(location: str) -> str:
    """The kind of source a location names: a directory is a folder, a URL a feed."""
    if location.startswith(("http://", "https://")):
        return "feed"
    if Path(location).is_dir():
        return "folder"
    raise SourceError(f"{location!r} is neither an http(s) URL nor an existing directory")


def detect_kind(content: bytes, content_type: str = "") -> str:
    """The kind of source a fetched document is: feed, sitemap or page."""
    if looks_like_json_feed(content):
        return "feed"
    head = strip_doctype(content[:65536]).lstrip(b"\xef\xbb\xbf \t\r\n")
    while head.startswith((b"<?", b"<!--")):
        end = head.find(b"?>" if head.startswith(b"<?") else b"-->")
        if end < 0:
            break
        head = head[end + 2 + (head[end:end + 3] == b"-->"):].lstrip()
    m = _ROOT.match(head)
    root = m.group(2).decode("ascii", "replace").lower() if m else ""
    if root in ("rss", "feed", "rdf", "channel"):
        return "feed"
    if root in ("urlset", "sitemapindex"):
        return "sitemap"
    if root == "html" or "html" in content_type.lower():
        return "page"
    if "xml" in content_type.lower() or "rss" in content_type.lower():
        return "feed"
    return "page"


class AutoSource(HTTPSource):
    """A URL added without a kind: the first good poll reads the kind from the content."""

    kind = "auto"

    async def poll(self, previous: Validators) -> PollResult:
        result = await self.fetcher.get(self.location, previous)
        early = early_outcome(result)
        if early is not None:
            return early
        kind = detect_kind(result.content, result.headers.get("content-type", ""))
        feed_url = discover_feed(result.content, result.url) if kind == "page" else None
        if feed_url is not None and urlsplit(result.url).path in ("", "/"):
            # A site's home page is not an article: follow the feed it announces instead.
            feed = FeedSource(feed_url, self.fetcher)
            found = await self.fetcher.get(feed_url)
            if found.outcome == "ok":
                polled = await feed.read(found)
                return replace(polled, kind="feed", new_url=found.permanent_url or feed_url)
        reader: FeedSource | PageSource | SitemapSource
        if kind == "sitemap":
            reader = SitemapSource(self.location, self.fetcher)
        elif kind == "page":
            reader = PageSource(self.location, self.fetcher)
        else:
            reader = FeedSource(self.location, self.fetcher)
        return replace(await reader.read(result), kind=kind)


_FEED_TYPES = (b"application/rss+xml", b"application/atom+xml", b"application/feed+json")


def discover_feed(content: bytes, base_url: str) -> str | None:
    """The first feed an HTML page announces (``<link rel="alternate" type="...rss+xml">``)."""
    for attrs in link_tags(content):
        rel = attrs.get(b"rel", b"").lower().split()
        if b"alternate" in rel and attrs.get(b"type", b"").lower() in _FEED_TYPES:
            href = html.unescape(attrs.get(b"href", b"").decode("utf-8", "replace")).strip()
            if href:
                return urljoin(base_url, href)
    return None


def make_source(kind: str, location: str, fetcher: Fetcher, *, auto: bool = False,
                max_items: int | None = None) -> Source:
    """The reader of a source; a folder reads its ``max_items`` newest files at most."""
    if auto and kind in ("feed", "page", "sitemap"):
        return AutoSource(location, fetcher)
    if kind == "folder":
        return FolderSource(location, max_files=max_items)
    if kind == "feed":
        return FeedSource(location, fetcher)
    if kind == "page":
        return PageSource(location, fetcher)
    if kind == "sitemap":
        return SitemapSource(location, fetcher)
    raise SourceError(f"unknown source kind {kind!r} (known: {', '.join(KINDS)})")


# What the other rooms use; besides these names, the folder reader (``monitor match`` reads
# files as a folder source does) and OPML (the subscriptions service) are theirs to import.
__all__ = ["KINDS", "FeedSource", "PollResult", "Source", "detect_kind", "discover_feed",
           "folder", "guess_kind", "make_source", "opml"]
