"""RSS/Atom feeds: the feedparser adapter (bytes in, RawItems out) and the feed URL source."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from typing import Any

import feedparser

from monitor.errors import ParseError
from monitor.fetch import Fetcher, Validators
from monitor.models import RawItem
from monitor.sources.base import PollResult


def _time(entry: Any, *keys: str) -> datetime | None:
    for key in keys:
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _content(entry: Any) -> tuple[str, str]:
    """The fullest text the entry has: content, else summary; with its media type."""
    for content in entry.get("content") or []:
        if content.get("value"):
            return str(content["value"]), str(content.get("type") or "text/html")
    detail = entry.get("summary_detail") or {}
    return str(entry.get("summary") or ""), str(detail.get("type") or "text/html")


def parse_feed(content: bytes, headers: dict[str, str] | None = None,
               base_url: str = "") -> tuple[str | None, list[RawItem]]:
    """(feed title, items) of a feed document. Raises ParseError when nothing can be read."""
    # feedparser is handed bytes and headers only: it must never fetch anything itself.
    parsed = feedparser.parse(content, response_headers=headers or {},
                              resolve_relative_uris=True, sanitize_html=True)
    feed = parsed.get("feed") or {}
    entries = parsed.get("entries") or []
    if not entries and parsed.get("bozo") and not feed.get("title"):
        raise ParseError(f"not a readable feed: {parsed.get('bozo_exception')!s}"[:500])
    language = feed.get("language")
    items: list[RawItem] = []
    for entry in entries:
        body, ctype = _content(entry)
        title = str(entry.get("title") or "")
        if not title and not body:
            continue
        items.append(RawItem(
            title=title, content=body, content_type=ctype,
            url=entry.get("link") or None, guid=entry.get("id") or entry.get("link") or None,
            published=_time(entry, "published_parsed", "updated_parsed", "created_parsed"),
            author=entry.get("author") or None,
            language=(entry.get("language") or language or None),
        ))
    return (str(feed["title"]) if feed.get("title") else None), items


class FeedSource:
    """An RSS or Atom feed at a URL."""

    kind = "feed"

    def __init__(self, url: str, fetcher: Fetcher) -> None:
        self.location = url
        self.fetcher = fetcher

    async def poll(self, previous: Validators) -> PollResult:
        result = await self.fetcher.get(self.location, previous)
        if result.not_modified:
            return PollResult(not_modified=True, validators=result.validators)
        title, items = parse_feed(result.content, result.headers, result.url)
        return PollResult(items, validators=result.validators, title=title)
