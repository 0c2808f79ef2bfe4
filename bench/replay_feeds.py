"""Story linking on a real stream with no same story in it: the corpus's real feed snapshots
(many outlets, 16 languages, taken years apart), replayed in one window.

Usage: python bench/replay_feeds.py [--feeds DIR] [--semantic] [--show]

Every item of the real feeds (``bench/streamfeeds.py`` says which) goes through the daemon's
parser and extraction; each feed is a source polled once, all its items in one poll, and all
the polls in one window (the harsh case: every item a candidate of every other), through the
story linking of a real store (a temporary SQLite file). Two outlets' snapshots were taken at
other times and tell other news, so a story whose members come from two sites is almost
always a false link (copies of one snapshot in two projects' fixtures share their site and are
not counted); the largest stories show chains within one site. ``--show`` lists the stories
spanning sites, to judge.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.streamfeeds import StreamItem, feed_items  # noqa: E402
from monitor.delivery.payload import alert_payload  # noqa: E402
from monitor.delivery.targets import choose  # noqa: E402
from monitor.reader import semantic  # noqa: E402
from monitor.reader.intake import fresh  # noqa: E402
from monitor.reader.stories import plan_poll  # noqa: E402
from monitor.store import PollOutcome, Store, dedupe_key  # noqa: E402

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def replay(items: list[StreamItem], vectors: bool) -> list[int]:
    """Each item's story id, each feed one source polled once (an item it lists twice, once),
    all in one window."""
    feeds: dict[str, list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        feeds[item.origin].append(n)
    keys: dict[tuple[int, str], list[int]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feeds.db"
        store = Store.open(f"sqlite:///{path}")
        for k, (origin, ns) in enumerate(sorted(feeds.items())):
            now = NOW + timedelta(seconds=k)
            source = store.add_source("feed", f"http://127.0.0.1/{origin}", interval=60, now=now)
            assert source.id is not None
            found = fresh([items[n].article for n in ns], set())  # each once, as a poll
            plan = plan_poll([(a, ()) for a in found], targets=[], route=choose,
                             payload=alert_payload, since=now - timedelta(days=7),
                             link_since=now - timedelta(hours=48), vectors=vectors)
            store.save_poll(source.id, PollOutcome("ok", now), plan, now=now)
            for n in ns:
                keys[source.id, dedupe_key(items[n].article)].append(n)
        store.close()
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT source_id, dedupe_key, story_id FROM articles").fetchall()
    out = [-1] * len(items)
    for source_id, key, story in rows:
        for n in keys.get((source_id, key), ()):
            out[n] = int(story)
    return out


def _site(url: str | None, origin: str) -> str:
    """An item's site: its address's host without ``www.``, else its feed file."""
    host = urlsplit(url or "").hostname or ""
    return host.removeprefix("www.") or origin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=Path, default=ROOT.parent / "shared" / "corpus" / "feeds")
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    if args.semantic and not semantic.available():
        parser.error("--semantic needs the optional encoder: pip install 'monitor[semantic]'")
    if not args.feeds.is_dir():
        parser.error(f"no feeds folder at {args.feeds}")
    items = [i for i in feed_items(args.feeds) if (i.article.title or i.article.body).strip()]
    stories = replay(items, args.semantic)
    members: dict[int, list[int]] = defaultdict(list)
    for n, story in enumerate(stories):
        members[story].append(n)
    sites = [_site(i.article.url, i.origin) for i in items]
    spanning = {story: ns for story, ns in members.items() if len({sites[n] for n in ns}) > 1}
    print(f"{len(items)} items of {len({i.origin for i in items})} feeds, "
          f"{len({i.article.language for i in items})} languages; {len(members)} stories "
          f"({'with' if args.semantic else 'without'} the encoder)")
    print(f"stories spanning sites: {len(spanning)}, with "
          f"{sum(len(ns) for ns in spanning.values())} articles; the largest stories: "
          f"{sorted((len(ns) for ns in members.values()), reverse=True)[:5]}")
    if args.show:
        for story, ns in sorted(spanning.items()):
            print(f"story {story}:")
            for n in ns:
                a = items[n].article
                title = (a.title or a.body)[:90].replace("\n", " ")
                print(f"  [{a.language or '?'}] {sites[n]}: {title}")


if __name__ == "__main__":
    main()
