"""Pairwise precision and recall of "same story" over a labelled set of articles, replayed
through the story linking of a real store (a temporary SQLite file).

Usage: python bench/eval_linking.py FILE.jsonl [--semantic] [--sweep] [--one-window]
       [--busy-hours 72]

Each line is one article (``title``, ``body``, ``language``, ``published``, ``url``) with its
``event``: articles of one event should form one story, others never. Articles are replayed
in published order (undated ones last), each from a source of its own, the clock at its
publication time. A pair counts across languages when its two languages differ. ``--sweep``
also prints the figures over a grid of the linking thresholds (tune on a development set
only). ``--semantic`` adds the optional encoder's similarity (``monitor[semantic]``).
``--one-window`` and ``--busy-hours`` are the harsh cases: every line in one window, or every
event moved into one span of hours.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sqlite3
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's monitor, not the installed one: a figure
# compared across two checkouts is theirs

from monitor.delivery.payload import alert_payload  # noqa: E402
from monitor.delivery.targets import choose  # noqa: E402
from monitor.models import Article  # noqa: E402
from monitor.reader import linking, semantic  # noqa: E402
from monitor.reader.stories import plan_poll  # noqa: E402
from monitor.store import PollOutcome, Store  # noqa: E402

WINDOW = timedelta(hours=48)


def _when(line: dict[str, Any]) -> datetime | None:
    raw = line.get("published")
    if not raw:
        return None
    value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def clock(lines: list[dict[str, Any]], one_window: bool = False) -> list[datetime | None]:
    """When each line arrives in the replay. A dated line at its date; an undated one (most
    of the set: the stored page shows no date) on the first date of its event's dated lines,
    as it would have arrived within the event's days (its hour unknown, it comes after
    them); an event without any date, after every dated line. ``one_window``: every line
    arrives at once, all in the window of all: the harsh case, every look-alike of another
    month within reach."""
    if one_window:
        return [None] * len(lines)
    first: dict[str, datetime] = {}
    for line in lines:
        when = _when(line)
        if when is not None and (line["event"] not in first or when < first[line["event"]]):
            first[line["event"]] = when
    return [_when(line) or first.get(line["event"]) for line in lines]


def busy(lines: list[dict[str, Any]], hours: int) -> list[datetime | None]:
    """A busy week: each event's reports moved so that its first falls at an hour of one span
    of ``hours`` (by the hash of the event), keeping their spacing within the event (an
    undated report within 12 hours of its event's first): many distinct events, look-alikes
    of other months included, share the window, as on the busiest news days."""
    times = clock(lines)
    first: dict[str, datetime] = {}
    for line, when in zip(lines, times, strict=True):
        if when is not None and (line["event"] not in first or when < first[line["event"]]):
            first[line["event"]] = when
    base = datetime(2030, 1, 1, tzinfo=UTC)
    out: list[datetime | None] = []
    for line, when in zip(lines, times, strict=True):
        start = base + timedelta(hours=_hash(line["event"]) % hours)
        out.append(start + (when - first[line["event"]] if when is not None
                            else timedelta(hours=_hash(str(line["id"])) % 12)))
    return out


def _hash(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest(), 16)


def replay(lines: list[dict[str, Any]], window: timedelta = WINDOW,
           vectors: bool = False, one_window: bool = False,
           busy_hours: int | None = None) -> list[int]:
    """Each line's story id after the replay, in the lines' order."""
    times = busy(lines, busy_hours) if busy_hours else clock(lines, one_window)
    order = sorted(range(len(lines)), key=lambda k: (times[k] is None,
                                                     times[k] or datetime.min,
                                                     _when(lines[k]) is None, k))
    last = datetime(2000, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "eval.db"
        store = Store.open(f"sqlite:///{path}")
        for n, k in enumerate(order):
            line = lines[k]
            now = max(times[k] or last, last) + timedelta(seconds=1)
            last = now
            source = store.add_source("feed", f"http://127.0.0.1/{n}", interval=60, now=now)
            assert source.id is not None
            text = f"{line.get('title') or ''}\n{line.get('body') or ''}"
            article = Article(title=line.get("title") or "", body=line.get("body") or "",
                              url=line.get("url"), guid=str(line.get("id", k)),
                              language=line.get("language"), published=now,
                              content_hash=hashlib.sha256(text.encode()).hexdigest())
            plan = plan_poll([(article, ())], targets=[], route=choose, payload=alert_payload,
                             since=now - timedelta(days=7), link_since=now - window,
                             vectors=vectors)
            store.save_poll(source.id, PollOutcome("ok", now), plan, now=now)
        store.close()
        with sqlite3.connect(path) as db:
            stories = {int(sid): int(story) for sid, story in
                       db.execute("SELECT source_id, story_id FROM articles")}
    return [stories[order.index(k) + 1] for k in range(len(lines))]


def pairs(lines: list[dict[str, Any]], stories: list[int]) -> Counter[tuple[str, str]]:
    """(cross|within, tp|fp|fn) counts over all pairs of lines."""
    counts: Counter[tuple[str, str]] = Counter()
    for i, j in itertools.combinations(range(len(lines)), 2):
        kind = "within" if lines[i].get("language") == lines[j].get("language") else "across"
        same, said = lines[i]["event"] == lines[j]["event"], stories[i] == stories[j]
        if same and said:
            counts[kind, "tp"] += 1
        elif said:
            counts[kind, "fp"] += 1
        elif same:
            counts[kind, "fn"] += 1
    return counts


def report(counts: Counter[tuple[str, str]], label: str) -> str:
    parts = [label]
    for kind in ("across", "within"):
        tp, fp, fn = (counts[kind, x] for x in ("tp", "fp", "fn"))
        p = f"{tp / (tp + fp):.3f}" if tp + fp else "  -  "
        r = f"{tp / (tp + fn):.3f}" if tp + fn else "  -  "
        parts.append(f"{kind}: P {p} R {r} (tp {tp} fp {fp} fn {fn})")
    return "  ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--one-window", action="store_true",
                        help="every line arrives at once (no clock): look-alikes all in reach")
    parser.add_argument("--window-hours", type=float, default=WINDOW.total_seconds() / 3600)
    parser.add_argument("--busy-hours", type=int, default=None,
                        help="every event moved into one span of this many hours (72: a "
                        "busy week's worth of events in three days)")
    args = parser.parse_args()
    if args.semantic and not semantic.available():
        parser.error("--semantic needs the optional encoder: pip install 'monitor[semantic]'")
    lines = [json.loads(raw) for raw in args.file.read_text(encoding="utf-8").splitlines()
             if raw.strip()]
    window = timedelta(hours=args.window_hours)
    print(f"{len(lines)} articles, {len({x['event'] for x in lines})} events, "
          f"{len({x.get('language') for x in lines})} languages")
    print(report(pairs(lines, replay(lines, window, args.semantic, args.one_window,
                                     args.busy_hours)), "default   "))
    if args.sweep and args.semantic:
        sweep_semantic(lines, window, args.one_window)
    elif args.sweep:
        default = linking.DEFAULT
        for names, shared, overlap, within in itertools.product(
                (1, 2), (2, 3, 4), (0.3, 0.4, 0.5, 0.6), (3, 4, 99)):
            linking.DEFAULT = replace(default, min_names=names, min_shared=shared,
                                      min_overlap=overlap, within_shared=within)
            label = f"n{names} s{shared} o{overlap:.1f} w{within}"
            print(report(pairs(lines, replay(lines, window, False, args.one_window)),
                         f"{label:<16}"))
        linking.DEFAULT = default


def sweep_semantic(lines: list[dict[str, Any]], window: timedelta, one_window: bool) -> None:
    """The encoder's bars over a grid, its vectors made once for all the replays."""
    made = dict(zip([(x.get("title") or "", x.get("body") or "") for x in lines],
                    semantic.vectors([(x.get("title") or "", x.get("body") or "")
                                      for x in lines]), strict=True))
    encode, default = semantic.vectors, linking.DEFAULT
    semantic.vectors = lambda texts: [made[t] for t in texts]
    try:
        for alone, shared, within, merge in itertools.product(
                (0.5, 0.55, 0.6), (0.45, 0.5, 0.55), (0.55, 0.6, 0.65), (0.0, 0.7, 9.0)):
            linking.DEFAULT = replace(default, semantic_alone=alone, semantic=shared,
                                      semantic_within=within, merge_semantic=merge)
            label = f"a{alone:.2f} s{shared:.2f} w{within:.2f} m{merge:.2f}"
            print(report(pairs(lines, replay(lines, window, True, one_window)), f"{label:<18}"))
    finally:
        semantic.vectors, linking.DEFAULT = encode, default


if __name__ == "__main__":
    main()
