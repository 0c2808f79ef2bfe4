"""Cited pages: the other sites' pages an article links to, the evidence that
two reports, in any language, tell one event (they cite the same statement, decree or post).

A link counts when it leaves the article's own site (a site links to itself everywhere:
sections, tags, its other stories) and is no share button or bare home page. Each kept link
is a key of the term index (``crossnames.LINK``), a hash of its canonical address: the index
stores short keys, not addresses. At scale a link on every story (a newswire's own terms, an
app store page) is crowded like a common name and tells nothing (``storyterms``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from urllib.parse import urljoin, urlsplit

MAX_READ = 200  # links read from one text: a link farm stops here
MAX_KEPT = 20  # cited pages kept: an article cites a few; more is a list of links
# Share buttons and the like: their address names the sharing service, not what is cited.
_SHARE = ("/share", "/sharer", "/intent/", "/send?", "sharearticle", "/pin/create",
          "/submit?", "mailto:", "/login", "/signup", "/subscribe")


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def cited(hrefs: Iterable[str], own: str | None,
          canonical: Callable[[str | None], str | None]) -> tuple[str, ...]:
    """The canonical addresses of the other sites' pages among ``hrefs`` (relative ones read
    against ``own``, the article's address), in order, without repeats."""
    site = _site(own) if own else ""
    out: list[str] = []
    for href in hrefs:
        try:
            url = canonical(urljoin(own, href) if own else href)
        except ValueError:  # not an address ("http://[oops/"): one bad link, not the item
            continue
        if url is None or _site(url) == site or url in out:
            continue
        path = urlsplit(url).path
        if path in ("", "/") or any(mark in url.lower() for mark in _SHARE):
            continue
        out.append(url)
        if len(out) == MAX_KEPT:
            break
    return tuple(out)


def key(url: str) -> str:
    """A cited page's short, stable index key (without its kind prefix)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
