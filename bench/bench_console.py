"""Console page render times over a big SQLite database: 100,000 articles, 10,000 alerts.

    python bench/bench_console.py [--articles 100000] [--alerts 10000] [--runs 20] [--db FILE]

With ``--db FILE`` the database is kept there and, when it exists already, reused as it is
(migrated to the current schema first), so two versions of the code can be compared on the
same data.

Prints each page's median, 95th percentile and worst server time (in-process,
httpx.ASGITransport: no network), the median CPU time the process spent on it (which a busy
machine does not inflate), and the machine's load average, since a busy machine slows every
wall-clock figure. The target is 200 ms a page.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.app import open_app  # noqa: E402
from monitor.config import Settings  # noqa: E402
from monitor.daemon import http_app  # noqa: E402
from monitor.store.storytables import StoryRow  # noqa: E402
from monitor.store.tables import (  # noqa: E402
    AlertRow,
    ArticleRow,
    DeliveryRow,
    SourceRow,
    TriageRow,
)

# Alerts are on every tenth article: languages en and fr, sources 1, 11, 21, 31 and 41. A
# language or source without alerts (de, 2) is the filter that must look at most rows.
PAGES = ["/", "/?rule=sanctions", "/?severity=high", "/?language=fr", "/?language=de",
         "/?source=1", "/?source=2", "/?state=untriaged", "/?state=relevant", "/?since=7d",
         "/?before=5000", "/rules", "/rules/edit?id=sanctions", "/rules/edit", "/sources",
         "/stories", "/stories?all=1", "/deliveries"]


def fill(app: object, articles: int, alerts: int) -> None:
    store = app.store  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    rules = [("sanctions", "International sanctions", "high"),
             ("embassies", "Embassies", "medium"), ("negotiations", "Negotiations", "medium")]
    with store.session() as s:
        s.execute(insert(SourceRow), [{
            "kind": "feed", "url": f"https://news{i}.example/feed", "title": f"News {i}",
            "labels": "", "enabled": True, "interval_seconds": 900, "created_at": now,
            "next_check_at": now, "consecutive_failures": 0, "unhealthy": False,
            "kind_auto": False} for i in range(50)])
        first = s.exec(__import__("sqlmodel").select(SourceRow.id)).first()
        body = ("The European Union adopted a new sanctions package with an asset freeze "
                "on shipping firms, ministers said in Brussels on Tuesday. ") * 8
        for start in range(0, articles, 5000):
            s.execute(insert(ArticleRow), [{
                "source_id": first + i % 50, "dedupe_key": f"k{i}", "url":
                f"https://news.example/a/{i}", "title": f"Sanctions story number {i}",
                "body": body, "language": ("en", "de", "fr", "uk")[i % 4],
                "published": now - timedelta(minutes=i), "fetched_at": now - timedelta(
                    minutes=i), "content_hash": f"{i:064x}", "story_id": i // 3 + 1}
                for i in range(start, min(start + 5000, articles))])
        step = max(1, articles // alerts)
        evidence = json.dumps([{"term": "sanctions", "field": "body", "start": 0, "end": 9,
                                "text": "sanctions", "snippet": body[:200], "concept":
                                "sanctions", "weight": 1.0}])
        rows = []
        for n in range(alerts):
            rid, name, sev = rules[n % 3]
            article = 1 + n * step
            payload = json.dumps({"data": {"rule": {"id": rid, "name": name, "severity": sev},
                                           "article": {"id": article}}})
            rows.append({"rule_id": rid, "rule_name": name, "article_id": article,
                         "story_id": article // 3 + 1, "score": 1.0, "evidence": evidence,
                         "payload": payload, "created_at": now - timedelta(minutes=n)})
        s.execute(insert(AlertRow), rows)
        s.execute(insert(TriageRow), [{"alert_id": i, "rule_id": rules[(i - 1) % 3][0],
                                       "state": ("relevant", "false_alarm")[i % 2], "at": now}
                                      for i in range(1, alerts // 10)])
        # The story rows the stories page reads (three articles each, as story_id says above)
        # and one delivery per alert, one in a hundred dead: those pages list real rows too.
        s.execute(insert(StoryRow), [{
            "id": n + 1, "first_seen": now - timedelta(minutes=3 * n + 2),
            "last_seen": now - timedelta(minutes=3 * n), "articles": 3, "sources": 3,
            "languages": ",".join(sorted({("en", "de", "fr", "uk")[(3 * n + k) % 4]
                                          for k in range(3)}))}
            for n in range((articles + 2) // 3)])
        s.execute(insert(DeliveryRow), [{
            "alert_id": n + 1, "target": "webhook", "webhook_id": f"msg_bench{n}",
            "status": "dead" if n % 100 == 0 else "delivered", "attempts": 1,
            "created_at": now, "next_attempt_at": now, "last_error": "HTTP 500"
            if n % 100 == 0 else None} for n in range(alerts)])


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db).resolve() if args.db else Path(tmp) / "bench.db"
        reuse = db.exists()
        settings = Settings(database_url=f"sqlite:///{db}", rules_dir=ROOT / "rules",
                            seeds_dir=Path(tmp) / "none", api_token=None, worker_id="bench")
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings)
            t0 = time.perf_counter()
            if reuse:
                print(f"reusing {db}")
            else:
                await asyncio.to_thread(fill, app, args.articles, args.alerts)
                print(f"filled {args.articles:,} articles and {args.alerts:,} alerts in "
                      f"{time.perf_counter() - t0:.1f} s")
            transport = httpx.ASGITransport(app=http_app(app))
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://127.0.0.1") as c:
                await c.get("/login")
                load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"load average {load} on {os.cpu_count()} cores")
                print(f"{'page':28} {'median ms':>9} {'p95 ms':>7} {'worst ms':>8} "
                      f"{'cpu ms':>7} {'bytes':>7}")
                for path in PAGES:
                    times, cpu, size = [], [], 0
                    for _ in range(args.runs):
                        t, p = time.perf_counter(), time.process_time()
                        r = await c.get(path)
                        times.append((time.perf_counter() - t) * 1000)
                        cpu.append((time.process_time() - p) * 1000)
                        assert r.status_code == 200, (path, r.status_code)
                        size = len(r.content)
                    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1]
                    print(f"{path:28} {statistics.median(times):9.1f} {p95:7.1f} "
                          f"{max(times):8.1f} {statistics.median(cpu):7.1f} {size:7}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", help="keep the database in this file; reuse it if it exists")
    asyncio.run(main(parser.parse_args()))
