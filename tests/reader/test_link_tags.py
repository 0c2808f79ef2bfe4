"""Link tags (a feed's WebSub hub, a page's announced feed) are found in one forward pass: a
document full of ``<link`` that never closes costs a scan, not a scan per ``<link``.

Both lookups run on the event loop, between the fetch and the parse's thread: with the pattern
``<link\\b[^>]*>``, 200 KB of ``<link `` inside a feed's CDATA (the feed still parses) took 5 s
of CPU there, each ``<link`` reading on to the end of the head for a ``>``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from monitor.reader.hublinks import find_hub, link_tags
from monitor.reader.parsers import discover_feed

OPEN = b"<link " * 40_000  # 240 KB: no ">" in the 200 KB that are read


def _feed(middle: bytes) -> bytes:
    return (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b'<atom:link rel="hub" href="https://hub.example/"/>'
            b"<item><title>x</title><description><![CDATA[" + middle +
            b"]]></description></item></channel></rss>")


@pytest.mark.parametrize("lookup", [
    lambda: find_hub(_feed(OPEN), {}, "https://news.example/rss"),
    lambda: discover_feed(b"<html><head>" + OPEN + b"</head></html>", "https://news.example/"),
])
def test_unclosed_link_tags_cost_one_scan(lookup: Callable[[], object]) -> None:
    started = time.process_time()
    lookup()
    # One scan of 200 KB is a millisecond; a scan per "<link" was 5 s.
    assert time.process_time() - started < 0.5


def test_tags_before_the_unclosed_run_are_still_read() -> None:
    assert find_hub(_feed(OPEN), {}, "https://news.example/rss") == (
        "https://hub.example/", "https://news.example/rss")
    page = (b'<html><head><link rel="alternate" type="application/rss+xml" href="/f.xml">'
            + OPEN + b"</head></html>")
    assert discover_feed(page, "https://news.example/") == "https://news.example/f.xml"


def test_link_tags_reads_attributes_of_plain_and_prefixed_tags() -> None:
    doc = (b"<LINK REL='hub' HREF='/h'><atom:link rel=self href=\"/s\"/><linkage a='b'>"
           b"<link " + b"x" * 10_000 + b">" + b"<link rel=last>")
    assert list(link_tags(doc)) == [{b"rel": b"hub", b"href": b"/h"},
                                    {b"rel": b"self", b"href": b"/s"},
                                    {b"rel": b"last"}]  # the 10 KB tag is skipped
