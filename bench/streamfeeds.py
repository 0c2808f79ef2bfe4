"""The real outlet feed items of the shared corpus, read as the daemon reads them, each with a key.

The corpus's SOURCES.md names the outlet of every feed file that is a snapshot of a real outlet;
files without one (spec examples, parser edge cases, expected outputs) are not part of the
stream a user meets. Each item goes through the daemon's own feed parser and extraction, and is
keyed by its feed path under the feeds folder plus its guid (else link, else title), so that a
label stays attached to its item whatever the order of the files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from monitor.models import Article
from monitor.reader.article import extract
from monitor.reader.parsers.feed import parse_any_feed


@dataclass(frozen=True)
class StreamItem:
    """One item of the stream: where it comes from, its key and its clean article."""

    key: str
    origin: str  # "feeds/<path>" or "eval/<split>/<file>"
    article: Article


def outlet_feeds(feeds: Path) -> list[str]:
    """Feed paths (relative to ``feeds``) that SOURCES.md names a real outlet for."""
    out: list[str] = []
    for line in (feeds / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 8 or cells[0] == "corpus path" or set(cells[0]) <= {"-"}:
            continue
        outlet = cells[5]
        # One row names an outlet only to say the file is a spec example, not its content.
        if outlet in ("", "-") or "not real" in outlet.lower():
            continue
        if (feeds / cells[0]).is_file():
            out.append(cells[0])
    return sorted(out)


def _item_id(guid: str | None, url: str | None, title: str) -> str:
    return (guid or url or title).strip()


def feed_items(feeds: Path, paths: list[str] | None = None) -> Iterator[StreamItem]:
    """Every item of the given feed files (default: the outlet feeds), in file order."""
    for rel in paths if paths is not None else outlet_feeds(feeds):
        parsed = parse_any_feed((feeds / rel).read_bytes())
        seen: Counter[str] = Counter()
        for raw in parsed.items:
            ident = _item_id(raw.guid, raw.url, raw.title)
            seen[ident] += 1
            # A feed that repeats an id still shows the user two items; the second keeps its
            # own label under a numbered key.
            suffix = f"#{seen[ident]}" if seen[ident] > 1 else ""
            yield StreamItem(f"{rel} {ident}{suffix}", f"feeds/{rel}", extract(raw))
