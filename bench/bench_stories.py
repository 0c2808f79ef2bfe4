"""What stories cost: a poll joining an alerted story, with and without the breaking check,
and the story list with each filter, over a big database.

    python bench/bench_stories.py [--stories 50000] [--polls 300] [--database-url URL]

Fills a fresh database (SQLite in a temporary directory unless ``--database-url`` names an
empty one) with stories of 1 to 6 articles from 200 sources, every story alerted by one rule,
then times ``save_poll`` for one-article polls that join a random stored story: the rule
watching for breaking stories or not (the difference is the check's cost), and the story
list (``storylist.stories_page``, 50 a page) with each filter. Prints medians and 95th
percentiles in milliseconds, and the machine's load average.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.delivery.payload import breaking_payload  # noqa: E402
from monitor.delivery.targets import choose  # noqa: E402
from monitor.models import Article, Evidence, Match  # noqa: E402
from monitor.reader.stories import plan_poll  # noqa: E402
from monitor.store import PollOutcome, Store, storylist  # noqa: E402
from monitor.store.records import BreakingRule  # noqa: E402
from monitor.store.storytables import StoryRow  # noqa: E402
from monitor.store.tables import AlertRow, ArticleRow, SourceRow  # noqa: E402

SOURCES = 200
LANGUAGES = ("en", "fr", "de", "es", "id")
RULE = BreakingRule("sanctions", "Sanctions", "high", 4, timedelta(minutes=60), 3.0,
                    timedelta(days=14), ("default",))


def fill(store: Store, stories: int, now: datetime, rng: random.Random
         ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Stories over the last 10 days, one in a hundred of them hot (three sources within the
    last half hour); returns (number, id) of the others and of the hot ones."""
    with store.session() as s:
        s.execute(insert(SourceRow), [{
            "kind": "feed", "url": f"https://news{i}.example/feed", "title": f"News {i}",
            "labels": "", "enabled": True, "interval_seconds": 900, "created_at": now,
            "next_check_at": now + timedelta(days=1), "consecutive_failures": 0,
            "unhealthy": False, "kind_auto": False, "sample": False}
            for i in range(SOURCES)])
    next_id = 1
    ids: list[tuple[int, int]] = []
    hot: list[tuple[int, int]] = []
    for start in range(0, stories, 2000):
        articles, alerts, rows = [], [], []
        for n in range(start, min(stories, start + 2000)):
            lead, size = next_id, rng.randint(1, 6)
            at = now - timedelta(minutes=rng.randint(60, 14_400))
            if n % 100 == 0:
                size, at = 3, now - timedelta(minutes=rng.randint(5, 30))
            members = rng.sample(range(1, SOURCES + 1), size)
            langs = {rng.choice(LANGUAGES) for _ in members}
            for k, source in enumerate(members):
                articles.append({
                    "id": next_id, "source_id": source, "dedupe_key": f"s{n}-{k}",
                    "url": f"https://news{source}.example/{n}", "title": f"Story {n}",
                    "body": f"Body of story {n}.", "language": sorted(langs)[k % len(langs)],
                    "fetched_at": at + timedelta(minutes=k), "content_hash": f"h{n}",
                    "story_id": lead})
                next_id += 1
            alerts.append({"rule_id": RULE.rule_id, "rule_name": RULE.rule_name,
                           "article_id": lead, "story_id": lead, "score": 1.0,
                           "evidence": "[]", "payload": "{}", "created_at": at,
                           "kind": "alert"})
            rows.append({"id": lead, "first_seen": at, "articles": size,
                         "last_seen": at + timedelta(minutes=size - 1), "sources": size,
                         "languages": ",".join(sorted(langs))})
            (hot if n % 100 == 0 else ids).append((n, lead))
        with store.session() as s:
            s.execute(insert(ArticleRow), articles)
            s.execute(insert(AlertRow), alerts)
            s.execute(insert(StoryRow), rows)
    # The planner's statistics, as autovacuum (PostgreSQL) or a long-lived database has them.
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return ids, hot


def _stats(name: str, samples: list[float]) -> None:
    ms = sorted(x * 1000 for x in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<44} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


def time_polls(store: Store, pool: list[tuple[int, int]], polls: int, now: datetime,
               rng: random.Random, *, watch: bool, tag: str) -> list[float]:
    match = Match("sanctions", "Sanctions", 1.0,
                  (Evidence("sanctions", "body", 0, 9, "sanctions", "«sanctions»"),))
    out = []
    for i in range(polls):
        n, _story = pool.pop(rng.randrange(len(pool)))
        source = rng.randint(1, SOURCES)
        # The stored story's content hash: the exact-key lookup joins it, as a wire copy's.
        article = Article(title=f"Story {n}", body=f"Copy {tag}{i}.", guid=f"{tag}{i}",
                          url=f"https://copy.example/{tag}{i}", language="en",
                          content_hash=f"h{n}")
        plan = plan_poll([(article, [match])], targets=["default"], route=choose,
                         payload=lambda *a: {"type": "alert"}, since=now - timedelta(days=7),
                         watch={RULE.rule_id: RULE} if watch else None,
                         breaking_payload=breaking_payload)
        outcome = PollOutcome("ok", now + timedelta(days=1))
        started = time.perf_counter()
        store.save_poll(source, outcome, plan, now=now)
        out.append(time.perf_counter() - started)
    return out


def time_lists(store: Store, now: datetime, runs: int) -> None:
    filters: dict[str, storylist.StoryFilter] = {
        "list: no filter": storylist.StoryFilter(),
        "list: rule=sanctions": storylist.StoryFilter(rule="sanctions"),
        "list: language=de": storylist.StoryFilter(language="de"),
        "list: min_sources=5": storylist.StoryFilter(min_sources=5),
        "list: since=1 day": storylist.StoryFilter(since=now - timedelta(days=1)),
        "list: all four": storylist.StoryFilter(now - timedelta(days=3), "sanctions", "fr", 4),
    }
    for name, f in filters.items():
        _stats(name, _repeat(functools.partial(storylist.stories_page, store, f, limit=50),
                             runs))
    first = storylist.stories_page(store, storylist.StoryFilter(), limit=1)[0].row.id
    assert first is not None
    _stats("show: one story", _repeat(lambda: storylist.get_story(store, first), runs))


def _repeat(call: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stories", type=int, default=50_000)
    p.add_argument("--polls", type=int, default=300)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--database-url")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        store = Store.open(url)
        now, rng = datetime.now(UTC), random.Random(7)
        started = time.perf_counter()
        ids, hot = fill(store, args.stories, now, rng)
        print(f"{store.engine.dialect.name}: {len(ids) + len(hot):,} stories filled in "
              f"{time.perf_counter() - started:.1f} s; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        # Interleaved, so that a change in the machine's load hits both alike.
        plain: list[float] = []
        checked: list[float] = []
        hot_checked: list[float] = []
        hot_polls = min(args.polls // 2, len(hot))
        for half in range(2):
            plain += time_polls(store, ids, args.polls // 2, now, rng, watch=False,
                                tag=f"p{half}-")
            checked += time_polls(store, ids, args.polls // 2, now, rng, watch=True,
                                  tag=f"b{half}-")
            hot_checked += time_polls(store, hot, hot_polls // 2, now, rng, watch=True,
                                      tag=f"h{half}-")
        _stats("poll joining a story, no breaking rule", plain)
        _stats("poll joining a story, breaking check", checked)
        _stats("poll joining a hot story, check + baseline", hot_checked)
        time_lists(store, now, args.runs)
        store.close()


if __name__ == "__main__":
    main()
