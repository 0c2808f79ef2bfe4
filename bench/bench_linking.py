"""Cost of linking one article to a story at 1k, 10k and 100k stored stories (SQLite).

Usage: python bench/bench_linking.py [--sizes 1000 10000 100000] [--articles 300]
                                     [--spread-days 90] [--vectors]

A store (a temporary SQLite file, the real migrations) is filled with stories whose articles
name people and places drawn Zipf-like from 50,000 generated names (skeletons of real-looking
syllable strings, so that the key space and its collisions are those of real names), created
evenly over ``--spread-days`` (90: the default retention; 2: every stored story in the 48-hour
link window, the worst case). Then new articles are linked, half retelling a story of the
window (its names, shuffled, in other sentences), half new;
per article the bench prints the time of each step: terms (``crossnames.link_terms``),
lookup (``store.storyterms.find_terms`` through the covering ``(term, created_at, ...)``
index) and decision (``reader.stories.plan_stories``), and how many index rows it read. It
prints the lookup's query plan too: the candidates come from the index, never from a scan.
``--vectors``: every stored article has a vector (random: the cost of the optional encoder's
candidates, not its encoding), and so does each new one, a poll of its own (the worst case:
the window's newest vectors are read and decoded for one article).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this tree's monitor, not the installed one: a figure
# compared across two checkouts is theirs

from monitor.models import Article  # noqa: E402
from monitor.reader.crossnames import link_terms  # noqa: E402
from monitor.reader.stories import plan_stories, poll_article  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.store.records import StoryCandidates  # noqa: E402
from monitor.store.storyterms import _BY_TERM, find_terms  # noqa: E402

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
_SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"] + ["ang", "ov", "in", "er"]
_FILLER = ("The minister said on {day} that talks with {a} and {b} would continue after the "
           "meeting in {c}, where officials from {d} had arrived for the second round. ")


def names(rng: random.Random, count: int = 50_000) -> list[str]:
    return ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
            for _ in range(count)]


def story_text(rng: random.Random, vocabulary: list[str], weights: list[float]
               ) -> tuple[str, str, list[str]]:
    """A title and a lead naming eight names, and the names."""
    picked = rng.choices(vocabulary, cum_weights=weights, k=8)
    body = "".join(_FILLER.format(day="Monday", a=picked[i], b=picked[i + 1],
                                  c=picked[i + 2], d=picked[i + 3])
                   for i in (0, 4))
    lead = f"{picked[0]} {body}{rng.randint(100, 9999)} people"
    return f"{picked[0]} meets {picked[1]}", lead, picked


def vector(rng: random.Random) -> bytes:
    values = [rng.gauss(0, 1) for _ in range(512)]
    norm = sum(v * v for v in values) ** 0.5
    return struct.pack("<512e", *(v / norm for v in values))  # float16, as stored


def fill(path: Path, size: int, rng: random.Random, vocabulary: list[str],
         weights: list[float], spread: timedelta, vectors: bool = False) -> list[list[str]]:
    """``size`` stored stories of one article each, their terms in the index; the names of
    those in the link window."""
    store = Store.open(f"sqlite:///{path}")  # the schema, by the real migrations
    source = store.add_source("feed", "http://127.0.0.1/f", interval=60, now=NOW).id
    store.close()
    texts: list[list[str]] = []
    with sqlite3.connect(path) as db:
        articles: list[tuple[object, ...]] = []
        terms: list[tuple[object, ...]] = []
        made: list[tuple[object, ...]] = []
        for n in range(1, size + 1):
            title, body, picked = story_text(rng, vocabulary, weights)
            created = NOW - spread * (n / size)
            if created > NOW - timedelta(hours=47):
                texts.append(picked)
            at = created.replace(tzinfo=None).isoformat(" ")
            articles.append((n, source, f"k{n}", title, body, "en", at, f"h{n}", n))
            own = link_terms(title, body)
            figures = sum(1 for t in own if t.startswith("f:"))
            terms.extend((t, n, n, "en", len(own), figures, at) for t in own)
            if vectors:
                made.append((n, vector(rng), at, n, "en", len(own), figures))
        db.executemany("INSERT INTO articles (id, source_id, dedupe_key, title, body, language,"
                       " fetched_at, content_hash, story_id) VALUES (?,?,?,?,?,?,?,?,?)",
                       articles)
        db.executemany("INSERT INTO story_terms (term, article_id, story_id, language, terms,"
                       " figures, created_at) VALUES (?,?,?,?,?,?,?)", terms)
        db.executemany("INSERT INTO story_vectors (article_id, vector, created_at, story_id,"
                       " language, terms, figures) VALUES (?,?,?,?,?,?,?)", made)
    return texts


def measure(path: Path, stored: list[list[str]], rng: random.Random, vocabulary: list[str],
            weights: list[float], count: int, vectors: bool = False
            ) -> dict[str, list[float]]:
    store = Store.open(f"sqlite:///{path}")
    # The new articles' source: another than the stored ones', whose own posts the lookup
    # leaves out (one more query, measured with it).
    polled = store.add_source("feed", "http://127.0.0.1/g", interval=60, now=NOW).id
    out: dict[str, list[float]] = {"terms": [], "lookup": [], "decide": [], "rows": [],
                                   "linked": []}
    with store.engine.connect() as conn:
        for n in range(-10, count):  # the first ten warm the caches and are not counted
            if n % 2:  # a retelling: a stored story's names in other sentences
                picked = rng.choice(stored)[:]
                rng.shuffle(picked)
                title = f"{picked[0]} und {picked[1]} verhandeln"
                body = " ".join(f"Gespräche mit {name} gingen weiter." for name in picked)
            else:
                title, body, _ = story_text(rng, vocabulary, weights)
            article = Article(title=title, body=body, language="de", content_hash=f"new{n}")
            own = vector(rng) if vectors else None
            t0 = time.perf_counter()
            item = poll_article(article, (), targets=(), route=lambda _t, _n: [],
                                per_story=lambda _r: True)
            item = replace(item, vector=own)
            t1 = time.perf_counter()
            found = StoryCandidates({}, {}, {})
            find_terms(conn, found, [item], NOW - timedelta(hours=48), source_id=polled)
            t2 = time.perf_counter()
            story = plan_stories([item], found).joins[0]
            t3 = time.perf_counter()
            if n < 0:
                continue
            out["terms"].append(t1 - t0)
            out["lookup"].append(t2 - t1)
            out["decide"].append(t3 - t2)
            out["rows"].append(sum(len(v) for v in found.by_term.values()))
            out["linked"].append(float(story > 0))
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {_BY_TERM.compile(store.engine)}",
                                    ("n:rbr", NOW.isoformat(" "), 61, 0)).all()
    store.close()
    print("  lookup plan:", "; ".join(str(row[-1]) for row in plan))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--spread-days", type=float, default=90)
    parser.add_argument("--vectors", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    vocabulary = names(rng)
    weights = list(itertools.accumulate(1 / (r + 1) for r in range(len(vocabulary))))
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "link.db"
            started = time.perf_counter()
            stored = fill(path, size, rng, vocabulary, weights,
                          timedelta(days=args.spread_days), args.vectors)
            print(f"{size:>7} stories stored over {args.spread_days:g} days "
                  f"({len(stored)} in the window) in {time.perf_counter() - started:.1f} s")
            got = measure(path, stored, rng, vocabulary, weights, args.articles, args.vectors)
        ms = {k: statistics.median(got[k]) * 1000 for k in ("terms", "lookup", "decide")}
        p95 = sorted(a + b + c for a, b, c in zip(got["terms"], got["lookup"], got["decide"],
                                                  strict=True))[int(0.95 * args.articles)]
        retold = got["linked"][1::2]
        print(f"  per article (median): terms {ms['terms']:.2f} ms, lookup {ms['lookup']:.2f} "
              f"ms, decision {ms['decide']:.2f} ms; total p95 {p95 * 1000:.2f} ms; index rows "
              f"read {statistics.median(got['rows']):.0f} (median); retellings linked "
              f"{sum(retold)}/{len(retold)}, new articles linked "
              f"{sum(got['linked'][0::2]):.0f}/{len(got['linked'][0::2])}")


if __name__ == "__main__":
    main()
