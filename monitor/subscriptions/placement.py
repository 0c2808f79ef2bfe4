"""What a new source is and where it lives: the one kind check, kind guess and URL-policy check.

A directory is a folder source; a URL is checked against the URL policy now, so a refused
address is an error when the source is added rather than at every poll. A URL added without a
kind is taken for a feed until its first good poll reads the kind from the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.errors import SourceError, URLPolicyError
from monitor.reader.parsers import KINDS, guess_kind
from monitor.reader.urlpolicy import URLPolicy


@dataclass(frozen=True)
class Placement:
    """The kind and stored location of a new source."""

    kind: str
    location: str
    auto: bool = False  # the kind is read from the content at the first good poll
    warning: str | None = None  # added, but something may need a look (a name not resolving)


def check_kind(kind: str | None) -> None:
    """SourceError unless ``kind`` is None (to be detected) or one of ``KINDS``."""
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")


def place(location: str, kind: str | None, policy: URLPolicy) -> Placement:
    """Where and what a new source is; SourceError (URLPolicyError for a refused address)
    says why it cannot be added. A folder path is not a URL: the policy does not apply."""
    check_kind(kind)
    location = location.strip()
    if guess_kind(location) == "folder":
        if kind not in (None, "folder"):
            raise SourceError(f"{location!r} is a directory, not a {kind}")
        return Placement("folder", str(Path(location).resolve()))
    if kind == "folder":
        raise SourceError(f"{location!r} is a URL, not a directory")
    warning = None
    try:
        policy.check_sync(location)
    except URLPolicyError as exc:
        if "cannot resolve" not in str(exc):
            raise
        # A name that does not resolve today may tomorrow; every poll checks it again.
        warning = f"{exc}; added anyway, every poll checks it again"
    return Placement(kind or "feed", location, auto=kind is None, warning=warning)
