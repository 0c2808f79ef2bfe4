"""Figures for the service: ingestion of a folder, API throughput and latency, backtest speed,
and the time a SIGTERM takes. Runs the real daemon (``monitor run``) on loopback.

    python bench/api_bench.py [--articles 1000] [--requests 400] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token-0123456789"
WORDS = ["government", "talks", "sanctions", "embassy", "minister", "peace", "ceasefire",
         "trade", "market", "weather", "council", "summit", "envoy", "delegation", "parliament",
         "election", "economy", "shipping", "port"]


def _articles(folder: Path, n: int, rng: random.Random) -> None:
    folder.mkdir()
    for i in range(n):
        body = " ".join(rng.choice(WORDS) for _ in range(300))
        (folder / f"{i:05d}.txt").write_text(f"Story {i} {rng.choice(WORDS)}\n\n{body}.\n",
                                             encoding="utf-8")


async def _load(url: str, path: str, n: int, concurrency: int, method: str = "GET",
                json: object = None) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    async with httpx.AsyncClient(base_url=url, timeout=120,
                                 headers={"authorization": f"Bearer {TOKEN}"}) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                start = time.perf_counter()
                r = await client.request(method, path, json=json)
                r.raise_for_status()
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start, latencies


def _ms(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=1000)
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        _articles(tmp / "inbox", args.articles, random.Random(7))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(MONITOR_DATABASE_URL=f"sqlite:///{tmp / 'monitor.db'}",
                   MONITOR_SEEDS_DIR=str(tmp / "inbox"), MONITOR_RULES_DIR=str(ROOT / "rules"),
                   MONITOR_API_PORT="0", MONITOR_API_TOKEN=TOKEN, PYTHONPATH=str(ROOT),
                   MONITOR_LOG_LEVEL="warning")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "monitor", "run", "--once"], env=env, cwd=tmp,
                       check=True, capture_output=True)
        took = time.perf_counter() - start
        print(f"ingest (run --once, process start included): {args.articles} articles in "
              f"{took:.1f} s = {args.articles / took:.0f} articles/s")
        proc = subprocess.Popen([sys.executable, "-m", "monitor", "run"], env=env, cwd=tmp,
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        assert proc.stderr is not None
        url = ""
        for line in proc.stderr:
            if "API listening on" in line:
                url = line.rsplit(" ", 1)[1].strip()
                break
        try:
            for path in ("/healthz", "/readyz", "/metrics", "/api/v1/sources",
                         "/api/v1/articles?limit=50", "/api/v1/articles?q=ceasefire&limit=50",
                         "/api/v1/alerts?limit=50"):
                total, lat = asyncio.run(_load(url, path, args.requests, args.concurrency))
                print(f"GET {path:<40} {args.requests / total:7.0f} req/s  p50 "
                      f"{_ms(lat, 50):6.1f} ms  p95 {_ms(lat, 95):6.1f} ms")
            total, lat = asyncio.run(_load(url, "/api/v1/rules/backtest", 3, 1, "POST",
                                           {"id": "negotiations", "since": "1d"}))
            print(f"POST /api/v1/rules/backtest over {args.articles} articles: "
                  f"{statistics.median(lat):.2f} s = "
                  f"{args.articles / statistics.median(lat):.0f} articles/s")
        finally:
            start = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
            print(f"SIGTERM to exit: {time.perf_counter() - start:.2f} s, status {code}")
            proc.stderr.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
