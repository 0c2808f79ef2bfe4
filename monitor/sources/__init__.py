"""Sources: one module per kind, all honouring the ``Source`` contract in ``base``."""

from __future__ import annotations

from pathlib import Path

from monitor.errors import SourceError
from monitor.fetch import Fetcher
from monitor.sources.base import PollResult, Source
from monitor.sources.feed import FeedSource
from monitor.sources.folder import FolderSource

KINDS = ("folder", "feed")


def guess_kind(location: str) -> str:
    """The kind of source a location names: a directory is a folder, a URL a feed."""
    if location.startswith(("http://", "https://")):
        return "feed"
    if Path(location).is_dir():
        return "folder"
    raise SourceError(f"{location!r} is neither an http(s) URL nor an existing directory")


def make_source(kind: str, location: str, fetcher: Fetcher) -> Source:
    if kind == "folder":
        return FolderSource(location)
    if kind == "feed":
        return FeedSource(location, fetcher)
    raise SourceError(f"unknown source kind {kind!r} (known: {', '.join(KINDS)})")


__all__ = ["KINDS", "PollResult", "Source", "guess_kind", "make_source"]
