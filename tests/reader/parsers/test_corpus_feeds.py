"""Real feeds and feedparser's own test suite through our fetch-and-parse path.

Every readable feed yields its entries (the counts in corpus/feeds/SOURCES.md, made by a plain
feedparser run); nothing crashes. Documents are served by ``httpx.MockTransport`` with the
headers each case needs, so the real Fetcher (decoding, size caps, validators) runs too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from monitor.errors import ParseError
from monitor.reader.fetcher import Fetcher, Validators
from monitor.reader.parsers.base import PollResult
from monitor.reader.parsers.feed import FeedSource, parse_any_feed
from monitor.reader.urlpolicy import URLPolicy
from tests.conftest import CORPUS, needs_corpus

FEEDS = CORPUS / "feeds"
SUITE = CORPUS / "feedparser" / "tests"
pytestmark = needs_corpus(FEEDS)

_SUFFIX = {".xml": "application/xml", ".rss": "application/rss+xml", ".rdf": "application/xml",
           ".atom": "application/atom+xml", ".json": "application/feed+json"}


def _expected() -> dict[str, int]:
    """corpus path -> entry count, from the SOURCES.md table."""
    out = {}
    for line in (FEEDS / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 8 and (m := re.search(r"(\d+) entries", cells[-2])):
            out[cells[1]] = int(m.group(1))
    return out


def _readable_entries(data: bytes, headers: dict[str, str] | None = None) -> int:
    """Entries a plain feedparser run finds that hold anything at all (title, text, link, id)."""
    parsed = feedparser.parse(data, response_headers=headers or {})
    keys = ("title", "summary", "content", "link", "id")
    return sum(1 for e in parsed.entries if any(dict.get(e, k) for k in keys))


def _poll(files: dict[str, tuple[bytes, dict[str, str]]]) -> dict[str, PollResult | Exception]:
    """Poll each path through FeedSource + Fetcher, the transport serving ``files``."""

    def serve(request: httpx.Request) -> httpx.Response:
        body, headers = files[request.url.path]
        return httpx.Response(200, content=body, headers=headers)

    async def go() -> dict[str, PollResult | Exception]:
        out: dict[str, PollResult | Exception] = {}
        async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as client:
            fetcher = Fetcher(client, policy=URLPolicy.from_setting("*"))
            for path in files:
                try:
                    out[path] = await FeedSource(f"http://feeds.test{path}", fetcher).poll(
                        Validators())
                except ParseError as exc:
                    out[path] = exc
        return out

    return asyncio.run(go())


@pytest.mark.slow
def test_every_real_feed_yields_its_entries() -> None:
    expected = _expected()
    files = {}
    for rel in expected:
        path = FEEDS / rel
        if path.is_file():
            files["/" + rel.replace(" ", "%20")] = (
                path.read_bytes(), {"content-type": _SUFFIX.get(path.suffix, "text/xml")})
    results = _poll(files)
    wrong = []
    for key, result in results.items():
        rel = key[1:].replace("%20", " ")
        want = expected[rel]
        if isinstance(result, Exception):
            if want != 0:  # only documents without any entry may be refused
                wrong.append(f"{rel}: {result}")
            continue
        readable = _readable_entries(files[key][0])
        if len(result.items) not in (want, readable):
            wrong.append(f"{rel}: {len(result.items)} items, expected {want}")
    assert len(results) >= 170
    assert not wrong, "\n".join(wrong)


def _suite_files() -> Iterator[Path]:
    for folder in ("wellformed", "illformed", "encoding", "entities"):
        yield from sorted((SUITE / folder).rglob("*.xml"))


def _headers(data: bytes) -> dict[str, str]:
    head = data[:4000].decode("latin-1")
    out = {}
    for m in re.finditer(r"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", head, re.MULTILINE):
        out[m.group(1).lower()] = m.group(2)
    return out


@pytest.mark.slow
def test_feedparser_suite_parses_without_crash_and_keeps_every_entry() -> None:
    files = list(_suite_files())
    assert len(files) > 2000
    wrong = []
    for path in files:
        data = path.read_bytes()
        headers = _headers(data)
        try:
            items = parse_any_feed(data, headers).items
        except ParseError:
            items = []
        want = _readable_entries(data, headers)
        if len(items) != want:
            wrong.append(f"{path.relative_to(SUITE)}: {len(items)} items, feedparser {want}")
    assert not wrong, "\n".join(wrong[:30])


def test_json_feed_from_the_suite() -> None:
    data = (SUITE / "json" / "example.json").read_bytes()
    parsed = parse_any_feed(data)
    assert parsed.title == "My Example Feed" and len(parsed.items) == 2
    assert parsed.items[0].guid == "2" and parsed.items[1].author == "you"
    assert "<script>" not in parsed.items[1].content or parsed.items[1].content_type == "text/html"
