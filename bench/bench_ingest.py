"""Ingestion benchmark: N generated feeds on a local server, polled through the real pipeline.

Measures a full first poll (fetch, parse, clean, dedupe, cluster, match against the shipped
rules, store) and then a conditional re-poll answered with 304s: wall time, articles stored per
second, CPU time, peak memory (RSS). The feed server runs in its own process so that it does not
steal the event loop being measured.

    python bench/bench_ingest.py [--feeds 2000] [--items 20] [--database-url URL]
                                 [--no-match] [--no-language]

The feeds declare their language; 4% of their items carry a real topic sentence the shipped
rules match, and the run prints how many were matched and alerted.

Targets on a 2-core machine: re-poll of 2,000 feeds <= 10 s, first poll (~40,000 items)
<= 60 s, peak memory <= 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.feedwords import CUMULATIVE, LANGUAGES, TOPIC_SHARE, TOPICS, vocabulary  # noqa: E402
from monitor.app import open_app  # noqa: E402
from monitor.config import Settings  # noqa: E402
from monitor.models import Article, Match  # noqa: E402
from monitor.rules.matcher import Matcher  # noqa: E402


def feed_body(n: int, items: int, declare_language: bool = True) -> tuple[bytes, int]:
    """Feed ``n``: ``items`` distinct items, a few of them about monitored topics; and how
    many items carry a topic sentence.

    The feed declares its language, as most real feeds do (75 of the corpus's 109 RSS files);
    without it every item goes through language detection.
    """
    rng = random.Random(n)
    # Items of the last hours: a backlog older than the grace window is stored but, by
    # design, never matched (MONITOR_BACKLOG_HOURS), and this measures matching too.
    base = datetime.now(UTC)
    language = LANGUAGES[n % len(LANGUAGES)]
    declared = f"<language>{language}</language>" if declare_language else ""
    topics = 0
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
             f"<title>Feed {n}</title><link>http://127.0.0.1/{n}</link>{declared}"]
    for i in range(items):
        words = rng.choices(vocabulary(language), cum_weights=CUMULATIVE, k=60)
        if rng.random() < TOPIC_SHARE:
            words.insert(rng.randrange(10, 60), rng.choice(TOPICS[language]))
            topics += 1
        title = " ".join(words[:8]).capitalize()
        when = format_datetime(base - timedelta(minutes=17 * i, seconds=n))
        parts.append(f"<item><title>{title} {n}-{i}</title><guid>f{n}-i{i}</guid>"
                     f"<link>http://127.0.0.1/{n}/{i}?utm_source=rss</link>"
                     f"<pubDate>{when}</pubDate><description>Item {n}-{i}: "
                     f"{escape(' '.join(words))}.</description></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode(), topics


def serve(port_out: multiprocessing.connection.Connection, feeds: int, items: int,
          declare_language: bool) -> None:
    """A small keep-alive HTTP/1.1 server answering /feed/N with ETags and 304s; sends its
    port and the number of topic items up the pipe."""
    made = {n: feed_body(n, items, declare_language) for n in range(feeds)}
    bodies = {n: body for n, (body, _topics) in made.items()}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                n = int(path.rsplit("/", 1)[1])
                etag = f'"v{n}"'
                if headers.get("if-none-match") == etag:
                    writer.write(f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n"
                                 "Content-Length: 0\r\n\r\n".encode())
                else:
                    body = bodies[n]
                    writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                                 f"ETag: {etag}\r\nContent-Length: {len(body)}\r\n\r\n"
                                 .encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_out.send((server.sockets[0].getsockname()[1],
                       sum(topics for _body, topics in made.values())))
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class TimedMatcher:
    """The app's matcher, timed: the matcher is another stage, reported apart."""

    def __init__(self, inner: Matcher, enabled: bool) -> None:
        self.inner, self.enabled, self.seconds = inner, enabled, 0.0
        self.rules = inner.rules if enabled else ()
        self.matched = self.matches = 0

    def match(self, article: Article) -> list[Match]:
        if not self.enabled:
            return []
        t = time.process_time()
        try:
            found = list(self.inner.match(article))
            self.matched += bool(found)
            self.matches += len(found)
            return found
        finally:
            self.seconds += time.process_time() - t


async def bench(settings: Settings, port: int, feeds: int, match: bool, topics: int) -> None:
    async with AsyncExitStack() as stack:
        app = await open_app(stack, settings)
        timed = TimedMatcher(app.matcher, match)
        app.matcher = timed  # type: ignore[assignment]
        now = app.clock()
        t = time.perf_counter()
        for n in range(feeds):
            app.store.add_source("feed", f"http://127.0.0.1:{port}/feed/{n}", interval=900,
                                 now=now)
        print(f"setup: {feeds} sources added in {time.perf_counter() - t:.1f} s")

        for label in ("first poll", "re-poll (304)"):
            timed.seconds, timed.matched, timed.matches = 0.0, 0, 0
            wall, cpu = time.perf_counter(), time.process_time()
            reports = await app.pipeline.poll_due(everything=True, limit=feeds + 10)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            new = sum(r.new_articles for r in reports)
            alerts = sum(len(r.alerts) for r in reports)
            by_status: dict[str, int] = {}
            for r in reports:
                by_status[r.status] = by_status.get(r.status, 0) + 1
            errors = [r.error for r in reports if r.status == "error"][:3]
            print(f"{label}: {len(reports)} feeds in {wall:.1f} s (cpu {cpu:.1f} s), "
                  f"{new} articles stored ({new / wall:.0f}/s), "
                  f"{timed.matched} articles matched ({timed.matches} matches, "
                  f"{topics if label == 'first poll' else 0} items with a topic sentence), "
                  f"{alerts} alerts, "
                  f"status {by_status}, matcher cpu {timed.seconds:.1f} s, "
                  f"peak RSS {rss_mb():.0f} MB"
                  + (f", errors e.g. {errors}" if errors else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--database-url", help="default: a new SQLite file in a temp directory")
    ap.add_argument("--no-match", action="store_true",
                    help="skip rule matching, to measure ingestion alone")
    ap.add_argument("--no-language", action="store_true",
                    help="feeds do not declare their language: every item is detected")
    args = ap.parse_args()
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=serve, args=(child, args.feeds, args.items,
                                                         not args.no_language),
                                   daemon=True)
    proc.start()
    port, topics = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = replace(Settings(), database_url=url, rules_dir=ROOT / "rules",
                           seeds_dir=Path(tmp) / "no-seeds", worker_id="bench",
                           allow_private_networks="127.0.0.1/32", per_host_concurrency=64,
                           fetch_concurrency=64)
        print(f"benchmark: {args.feeds} feeds x {args.items} items, database {url.split('@')[-1]}")
        try:
            asyncio.run(bench(settings, port, args.feeds, not args.no_match, topics))
        finally:
            proc.terminate()
            proc.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
