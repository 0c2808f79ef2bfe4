"""Sources: one module per kind, all honouring the ``Source`` contract in ``base``."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from monitor.errors import SourceError
from monitor.fetch import Fetcher, Validators
from monitor.sources.base import PollResult, Source, early_outcome
from monitor.sources.feed import FeedSource, looks_like_json_feed, strip_doctype
from monitor.sources.folder import FolderSource
from monitor.sources.page import PageSource
from monitor.sources.sitemap import SitemapSource

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


class AutoSource:
    """A URL added without a kind: the first good poll reads the kind from the content."""

    kind = "auto"

    def __init__(self, url: str, fetcher: Fetcher) -> None:
        self.location = url
        self.fetcher = fetcher

    async def poll(self, previous: Validators) -> PollResult:
        result = await self.fetcher.get(self.location, previous)
        early = early_outcome(result)
        if early is not None:
            return early
        kind = detect_kind(result.content, result.headers.get("content-type", ""))
        reader: FeedSource | PageSource | SitemapSource
        if kind == "sitemap":
            reader = SitemapSource(self.location, self.fetcher)
        elif kind == "page":
            reader = PageSource(self.location, self.fetcher)
        else:
            reader = FeedSource(self.location, self.fetcher)
        return replace(await reader.read(result), kind=kind)


def make_source(kind: str, location: str, fetcher: Fetcher, *, auto: bool = False) -> Source:
    if auto and kind in ("feed", "page", "sitemap"):
        return AutoSource(location, fetcher)
    if kind == "folder":
        return FolderSource(location)
    if kind == "feed":
        return FeedSource(location, fetcher)
    if kind == "page":
        return PageSource(location, fetcher)
    if kind == "sitemap":
        return SitemapSource(location, fetcher)
    raise SourceError(f"unknown source kind {kind!r} (known: {', '.join(KINDS)})")


__all__ = ["KINDS", "PollResult", "Source", "detect_kind", "guess_kind", "make_source"]
