"""The lxml fast path for plain RSS 2.0 gives exactly what feedparser gives, or steps aside."""

from __future__ import annotations

import random
import re

import pytest
from feedparser.html import _cp1252
from feedparser.urls import _urljoin as _feedparser_urljoin

from monitor.errors import ParseError
from monitor.reader.parsers import fastfeed
from monitor.reader.parsers.feed import (
    ParsedFeed,
    _headers,
    _parsed,
    parse_any_feed,
    parse_with_feedparser,
    strip_doctype,
)
from tests.conftest import CORPUS, needs_corpus

FEEDS = CORPUS / "feeds"
SUITE = CORPUS / "feedparser" / "tests"


def _suite_headers(data: bytes) -> dict[str, str]:
    head = data[:4000].decode("latin-1")
    return {m.group(1).lower(): m.group(2) for m in
            re.finditer(r"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", head, re.MULTILINE)}


def _fast(data: bytes, headers: dict[str, str], base_url: str = "") -> ParsedFeed | None:
    got = fastfeed.read_plain_rss(strip_doctype(data), _headers(headers, base_url))
    return None if got is None else _parsed(*got)


def _slow(data: bytes, headers: dict[str, str], base_url: str = "") -> ParsedFeed | None:
    try:
        return parse_with_feedparser(data, headers, base_url)
    except ParseError:
        return None


@needs_corpus(FEEDS)
def test_fast_path_equals_feedparser_on_the_whole_corpus() -> None:
    files = [p for p in FEEDS.rglob("*") if p.is_file() and p.suffix != ".md"]
    files += sorted(SUITE.rglob("*.xml"))
    taken: dict[str, int] = {"real": 0, "suite": 0}
    wrong = []
    for path in files:
        data = path.read_bytes()
        # As the suite declares it, and as a server that says only text/xml and a URL would.
        for headers, base in ((_suite_headers(data), ""),
                              ({"content-type": "text/xml"}, "http://feeds.test/a/feed.xml")):
            fast = _fast(data, headers, base)
            if fast is None:
                continue
            taken["real" if FEEDS in path.parents else "suite"] += 1
            if fast != _slow(data, headers, base):
                wrong.append(f"{path} (base {base!r})")
    assert not wrong, "\n".join(wrong[:20])
    # The comparison means something only if the fast path reads a good share of documents.
    assert taken["real"] >= 30 and taken["suite"] >= 400, taken


def test_plain_rss_item_fields() -> None:
    data = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            b"<title> News </title><language>de</language><ttl>30</ttl>"
            b"<item><title>A &amp; B</title><link> /a?x=1&amp;amp;y=2 </link>"
            b"<description><![CDATA[<p>Text</p>]]></description>"
            b'<guid isPermaLink="false">id-1</guid><pubDate>Mon, 03 Mar 2025 10:00:00 +0100'
            b"</pubDate><author>ann@example.org (Ann)</author></item>"
            b"<item><guid>/b</guid><content:encoded xmlns:content="
            b'"http://purl.org/rss/1.0/modules/content/">Longer body \xc3\xa2\xe2\x82\xac\xe2'
            b"\x80\x9c</content:encoded><description>Short</description></item>"
            b"</channel></rss>")
    fast = _fast(data, {}, "http://example.org/feed")
    assert fast == _slow(data, {}, "http://example.org/feed")
    assert fast is not None and fast.title == "News" and fast.ttl_minutes == 30
    first, second = fast.items
    assert first.title == "A & B" and first.url == "http://example.org/a?x=1&y=2"
    assert first.guid == "id-1" and first.language == "de"
    assert first.content == "<p>Text</p>" and first.content_type == "text/html"
    assert first.published is not None and first.published.hour == 9
    assert second.url == second.guid == "http://example.org/b"
    assert second.content.startswith("Longer body")


@pytest.mark.parametrize("data", [
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title></entry></feed>',
    b'<rss version="0.91"><channel><item><title>x</title></item></channel></rss>',
    b'<rss version="2.0"><channel><item><title>x</title><media:title xmlns:media='
    b'"http://search.yahoo.com/mrss/">y</media:title></item></channel></rss>',
    b'<rss version="2.0"><channel xml:base="http://a/"><item><link>b</link></item>'
    b"</channel></rss>",
    b'<rss version="2.0"><channel><item><title>x</title><title>y</title></item>'
    b"</channel></rss>",
    b'<rss version="2.0"><channel><item><description>a<b>c</b></description></item>'
    b"</channel></rss>",
    b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item>'
    b"<title>caf\xe9</title></item></channel></rss>",
    b'<rss version="2.0"><channel><item><title>a &nbsp; b</title></item></channel></rss>',
    b'<rss version="2.0"><channel><item><title>unclosed</item></channel></rss>',
], ids=["atom", "rss091", "unknown-element", "xml-base", "repeated", "markup", "latin1",
        "undefined-entity", "malformed"])
def test_anything_unusual_goes_to_feedparser(data: bytes) -> None:
    assert _fast(data, {}) is None
    try:
        want: ParsedFeed | ParseError = parse_with_feedparser(data)
    except ParseError as exc:
        want = exc
    try:
        got: ParsedFeed | ParseError = parse_any_feed(data)
    except ParseError as exc:
        got = exc
    assert got == want if isinstance(want, ParsedFeed) else isinstance(got, ParseError)


def test_a_charset_other_than_utf8_goes_to_feedparser() -> None:
    data = b'<rss version="2.0"><channel><item><title>x</title></item></channel></rss>'
    assert _fast(data, {"content-type": "application/rss+xml; charset=utf-8"}) is not None
    assert _fast(data, {"content-type": "application/rss+xml; charset=windows-1251"}) is None


def test_entities_are_never_expanded_even_with_the_doctype_left_in() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">'
            b'<!ENTITY x SYSTEM "file:///etc/hostname">]>'
            b'<rss version="2.0"><channel><item><title>&c;&x;</title></item></channel></rss>')
    assert fastfeed.read_plain_rss(bomb, {}) is None  # the reference stays a child node
    parsed = parse_any_feed(bomb)  # the DOCTYPE is cut out first, as for feedparser
    assert all(len(i.title) < 100 for i in parsed.items)


def test_cp1252_table_is_feedparsers() -> None:
    assert {k: v for k, v in _cp1252.items() if k >= 128} == fastfeed._CP1252


def test_url_resolution_is_feedparsers() -> None:
    rng = random.Random(4)
    alphabet = "ab/?#;:.-_%&=@[] \t\u00e9/"
    bases = ["", "http://example.org/feed/1", "https://example.org/a/b?x=1", "ftp://x/"]
    cases = ["http://a/b?", "http://a/b#", "http://a/b?#c", "http://a/b;p?q#f", "http:///x",
             "https://a.b/c/../d", "http://[::1]/x", "http://[::1/x", "HTTP://A/B", "f0-i0",
             "/x/./y", "//host/p", "mailto:a@b"]
    for _ in range(3000):
        cases.append(rng.choice(["http://", "https://", "http:", ""]) +
                     "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))))
    for base in bases:
        for uri in cases:
            assert fastfeed._urljoin(base, uri) == _feedparser_urljoin(base, uri), (base, uri)
