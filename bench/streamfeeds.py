"""The real feed items of the shared corpus, read as the daemon reads them, each with a stable key.

The corpus's feeds folder holds snapshots of real feeds (news outlets, blogs, forums, podcasts)
taken from parser projects' fixtures, beside what is not a stream a user meets: the projects'
expected outputs, HTML pages, and spec or placeholder examples ("Example Feed", "Atom-Powered
Robots Run Amok", "테스트 피드"). A file is in the stream when the daemon's own feed parser reads
items from it, SOURCES.md does not call its content "not real", and it is not one of the
placeholder examples listed below. Each item goes through the daemon's extraction and is keyed
by its feed path plus its guid (else link, else title), so that a label stays attached to its
item whatever the order of the files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import ParseError
from monitor.models import Article
from monitor.reader.article import extract
from monitor.reader.parsers.feed import parse_any_feed

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".json")

# Spec and test-suite examples whose items are placeholders, not anything ever published.
PLACEHOLDERS = frozenset({
    "feed-rs/feed-rs/fixture/atom/atom_entry_1.xml",
    "feed-rs/feed-rs/fixture/atom/atom_example_1.xml",
    "feed-rs/feed-rs/fixture/atom/atom_pub_spec_1.xml",
    "feed-rs/feed-rs/fixture/atom/atom_relative.xml",
    "feed-rs/feed-rs/fixture/atom/atom_spec_1.xml",
    "feed-rs/feed-rs/fixture/atom/atom_xml_base.xml",
    "feed-rs/feed-rs/fixture/rss1/rss_1.0_example_1.xml",
    "feed-rs/feed-rs/fixture/rss2/rss_2.0_example_1.xml",
    "feed-rs/feed-rs/fixture/rss2/rss_2.0_ghost_1.xml",
    "feed-rs/feed-rs/fixture/rss2/rss_2.0_relurl_2.xml",
    "miniflux-v2/internal/reader/encoding/testdata/invalid-prolog.xml",
    "miniflux-v2/internal/reader/encoding/testdata/koi8r.xml",
    "miniflux-v2/internal/reader/encoding/testdata/utf8-incorrect-prolog.xml",
    "miniflux-v2/internal/reader/encoding/testdata/utf8.xml",
    "miniflux-v2/internal/reader/xml/testdata/koi8r.xml",
    "prof18-RSS-Parser/rssparser/src/commonTest/resources/atom-test-example.xml",
    "prof18-RSS-Parser/rssparser/src/commonTest/resources/feed-media-content-type.xml",
    "prof18-RSS-Parser/rssparser/src/commonTest/resources/feed-raw-enclosure.xml",
    "rss-parser/test/input/instant-article.rss",
    "rss-parser/test/input/missing-fields.atom",
    "rss-parser/test/input/pagination-links.rss",
})


@dataclass(frozen=True)
class StreamItem:
    """One item of the stream: where it comes from, its key and its clean article."""

    key: str
    origin: str  # "feeds/<path>" or "eval/<split>/<file>"
    article: Article


def _not_real(feeds: Path) -> set[str]:
    """Paths whose SOURCES.md row says the content is not real (an outlet named by example)."""
    sources = feeds / "SOURCES.md"
    out: set[str] = set()
    if sources.is_file():
        for line in sources.read_text(encoding="utf-8").splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 8 and "not real" in cells[5].lower():
                out.add(cells[0])
    return out


def stream_feeds(feeds: Path, placeholders: frozenset[str] = PLACEHOLDERS) -> list[str]:
    """Candidate feed files (relative to ``feeds``): feed suffixes, neither fake nor a placeholder.

    Whether a candidate holds items is up to the parser: ``feed_items`` skips what it cannot read.
    """
    skip = placeholders | _not_real(feeds)
    found = (p.relative_to(feeds).as_posix() for p in feeds.rglob("*")
             if p.is_file() and p.suffix in FEED_SUFFIXES)
    return sorted(rel for rel in found if rel not in skip)


def _item_id(guid: str | None, url: str | None, title: str) -> str:
    return (guid or url or title).strip()


def feed_items(feeds: Path, paths: list[str] | None = None) -> Iterator[StreamItem]:
    """Every item of the given feed files (default: the stream's), in file order."""
    for rel in paths if paths is not None else stream_feeds(feeds):
        try:
            parsed = parse_any_feed((feeds / rel).read_bytes())
        except ParseError:
            continue  # expected outputs, HTML pages, fragments: what a poll would refuse too
        seen: Counter[str] = Counter()
        for raw in parsed.items:
            ident = _item_id(raw.guid, raw.url, raw.title)
            seen[ident] += 1
            # A feed that repeats an id still shows the user two items; the second keeps its
            # own label under a numbered key.
            suffix = f"#{seen[ident]}" if seen[ident] > 1 else ""
            yield StreamItem(f"{rel} {ident}{suffix}", f"feeds/{rel}", extract(raw))
