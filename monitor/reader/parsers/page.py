"""Single article pages: the page at a URL, its main text extracted (trafilatura, no comments)."""

from __future__ import annotations

import asyncio

from monitor.errors import ParseError
from monitor.reader.article import extract_page
from monitor.reader.fetcher import FetchResult
from monitor.reader.parsers.base import HTTPSource, PollResult


class PageSource(HTTPSource):
    """One HTML article page; a changed page is a new item (its text hash differs)."""

    kind = "page"

    async def read(self, result: FetchResult) -> PollResult:
        """The article of a fetched page."""
        # Extraction is CPU work on a large tree: keep it off the event loop.
        item = await asyncio.to_thread(extract_page, result.content, result.url)
        if item is None:
            raise ParseError(f"{result.url}: no article text found in the page")
        return PollResult([item], validators=result.validators, title=item.title or None,
                          new_url=result.permanent_url, headers=result.headers)
