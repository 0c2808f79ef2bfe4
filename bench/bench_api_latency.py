"""Owns the API-latency figure: `/api/v1/alerts` and `/healthz` while `monitor run` first-polls.

Shows how long the daemon's event loop is blocked by database calls and CPU work during a big
first poll. For each ``--tree`` (a checkout; default: this one) the real daemon runs as a
subprocess (``PYTHONPATH=<tree>``, a new SQLite file) on N generated RSS feeds, imported from
OPML (due at once) and served from 127.0.0.1 by a separate process. While it polls them all,
one client asks ``GET /api/v1/alerts?limit=50`` and another ``GET /healthz``, each sequentially
every ``--interval-ms``, until every source is polled (``monitor_polls_total`` on ``/metrics``,
else ``last_poll`` on ``/api/v1/sources``) or ``--max-seconds`` pass. Only the daemon's CLI,
environment and HTTP API are used, so trees with different module layouts can be compared.

    python bench/bench_api_latency.py [--tree PATH ...] [--feeds 2000] [--items 20]
        [--max-seconds 300] [--interval-ms 50] [--timeout 30] [--per-host 32] [--log-dir DIR]
    python bench/bench_api_latency.py --tree /tmp/baseline-tree --tree .   # before, after

The feeds declare their language; ~4% of their items carry a real topic sentence the shipped
rules match, so that alerts exist. Prints one row per tree and the p99 ratios to the first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-latency-token"
sys.path.insert(0, str(ROOT))

from bench.latencyfeeds import HOST, serve  # noqa: E402


@dataclass
class Series:
    """The latencies of one endpoint's requests (seconds), timeouts included at their wait."""

    path: str
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: int = 0

    def ms(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[max(0, math.ceil(q / 100 * len(data)) - 1)] * 1000 if data else math.nan


@dataclass
class Result:
    tree: Path
    articles: int = 0
    alerts: int = 0
    polled: int = 0
    failed: int = 0
    ready_s: float = math.nan
    poll_s: float = math.nan
    capped: bool = False
    load: float = 0.0
    series: list[Series] = field(default_factory=list)


async def probe(client: httpx.AsyncClient, series: Series, interval: float,
                stop: asyncio.Event) -> None:
    """Ask ``series.path`` sequentially, ``interval`` after each answer, until ``stop``."""
    while not stop.is_set():
        start = time.perf_counter()
        try:
            if (await client.get(series.path)).status_code != 200:
                series.errors += 1
        except httpx.TimeoutException:
            series.timeouts += 1
        except httpx.HTTPError:
            series.errors += 1
        series.latencies.append(time.perf_counter() - start)
        await asyncio.sleep(interval)


async def all_pages(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = f"{path}?limit=500"
    while url:
        page = (await client.get(url, timeout=120)).raise_for_status().json()
        items.extend(page["items"])
        url = page.get("next")
    return items


_POLLS = re.compile(r"^monitor_polls_total\{[^}]*\}\s+(\S+)$", re.MULTILINE)


async def polled_count(client: httpx.AsyncClient) -> int:
    """Sources polled so far: the poll counter of /metrics, else the sources' ``last_poll``."""
    found = _POLLS.findall((await client.get("/metrics")).text)
    if found:
        return int(sum(float(x) for x in found))
    return sum(bool(s.get("last_poll")) for s in await all_pages(client, "/api/v1/sources"))


async def measure(url: str, proc: subprocess.Popen[bytes], args: argparse.Namespace,
                  result: Result, launched: float) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    clients = [httpx.AsyncClient(base_url=url, headers=auth, timeout=args.timeout)
               for _ in range(3)]
    try:
        while True:  # the API is up once /healthz answers
            if proc.poll() is not None or time.perf_counter() - launched > 60:
                raise RuntimeError(f"the daemon did not come up (exit status {proc.poll()})")
            with contextlib.suppress(httpx.HTTPError):
                if (await clients[2].get("/healthz", timeout=2)).status_code == 200:
                    break
            await asyncio.sleep(0.1)
        result.ready_s = time.perf_counter() - launched
        stop = asyncio.Event()
        result.series = [Series("/api/v1/alerts?limit=50"), Series("/healthz")]
        probes = [asyncio.create_task(probe(c, s, args.interval_ms / 1000, stop))
                  for c, s in zip(clients[:2], result.series, strict=True)]
        while proc.poll() is None:
            if time.perf_counter() - launched > args.max_seconds:
                result.capped = True
                break
            with contextlib.suppress(httpx.HTTPError):
                if await polled_count(clients[2]) >= args.feeds:
                    break
            await asyncio.sleep(0.5)
        result.poll_s = time.perf_counter() - launched - result.ready_s
        stop.set()
        await asyncio.gather(*probes)
        sources = await all_pages(clients[2], "/api/v1/sources")
        result.polled = sum(bool(s.get("last_poll")) for s in sources)
        result.failed = sum(s.get("last_status") == "error" for s in sources)
        result.articles = sum(int(s.get("articles") or 0) for s in sources)
        result.alerts = len(await all_pages(clients[2], "/api/v1/alerts"))
    finally:
        for client in clients:
            await client.aclose()


def run_tree(tree: Path, feed_port: int, args: argparse.Namespace) -> Result:
    """Import the feeds into a new database, run the daemon on it, measure, SIGTERM it."""
    result = Result(tree)
    with tempfile.TemporaryDirectory(prefix="bench-api-latency-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "no-seeds").mkdir()
        with socket.socket() as s:
            s.bind((HOST, 0))
            api_port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(PYTHONPATH=str(tree), MONITOR_DATABASE_URL=f"sqlite:///{tmp / 'monitor.db'}",
                   MONITOR_RULES_DIR=str(tree / "rules"), MONITOR_SEEDS_DIR=str(tmp / "no-seeds"),
                   MONITOR_API_HOST=HOST, MONITOR_API_PORT=str(api_port), MONITOR_API_TOKEN=TOKEN,
                   MONITOR_ALLOW_PRIVATE_NETWORKS=f"{HOST}/32", MONITOR_WORKER_ID="bench",
                   MONITOR_PER_HOST_CONCURRENCY=str(args.per_host), MONITOR_LOG_FORMAT="json")
        cmd = [sys.executable, "-m", "monitor"]
        where = subprocess.run([sys.executable, "-c", "import monitor; print(monitor.__file__)"],
                               env=env, cwd=tmp, capture_output=True, text=True, timeout=60)
        if not Path(where.stdout.strip()).resolve().is_relative_to(tree):
            raise SystemExit(f"{tree}: python imports monitor from {where.stdout.strip()}")
        outlines = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="http://{HOST}:'
                           f'{feed_port}/feed/{n}"/>\n' for n in range(args.feeds))
        (tmp / "feeds.opml").write_text(f'<opml version="2.0"><body>\n{outlines}</body></opml>',
                                        encoding="utf-8")
        done = subprocess.run([*cmd, "sources", "import", "feeds.opml"], env=env, cwd=tmp,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"{tree}: sources import failed:\n{done.stdout}{done.stderr}")
        print(f"  {tree}: {(done.stdout.strip() or 'imported').splitlines()[-1]}", flush=True)
        with open(tmp / "daemon.log", "wb") as log:
            launched = time.perf_counter()
            proc = subprocess.Popen([*cmd, "run"], env=env, cwd=tmp, stdout=log, stderr=log)
            try:
                asyncio.run(measure(f"http://{HOST}:{api_port}", proc, args, result, launched))
                result.load = os.getloadavg()[0]
            except BaseException:
                tail = (tmp / "daemon.log").read_text(errors="replace").splitlines()[-20:]
                print("\n".join(["  daemon log (last lines):", *tail]), file=sys.stderr)
                raise
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    status = proc.wait(timeout=90)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    status = proc.wait()
                print(f"  {tree}: daemon stopped by SIGTERM, exit status {status}", flush=True)
                if args.log_dir:
                    args.log_dir.mkdir(parents=True, exist_ok=True)
                    shutil.copy(tmp / "daemon.log", args.log_dir / f"{tree.name}.log")
    return result


def row(r: Result) -> str:
    cells = [f"{str(r.tree)[-24:]:<24} {r.articles:>8} {r.alerts:>6} {r.polled:>6} "
             f"{r.failed:>4} {r.ready_s:>5.1f} {r.poll_s:>6.1f}{'*' if r.capped else ' '}"]
    for s in r.series:
        cells.append(f"{len(s.latencies):>5} {s.timeouts:>3} {s.errors:>3}"
                     + "".join(f" {s.ms(q):>7.0f}" for q in (50, 95, 99, 100)))
    return " | ".join(cells) + f" | {r.load:>4.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", type=Path, action="append",
                    help="a checkout to run the daemon from (repeatable; default: this one)")
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--max-seconds", type=float, default=300.0,
                    help="stop measuring a tree this long after its daemon started")
    ap.add_argument("--interval-ms", type=float, default=50.0, help="pause between requests")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds before a request "
                    "counts as timed out")
    ap.add_argument("--per-host", type=int, default=32, help="MONITOR_PER_HOST_CONCURRENCY: "
                    "the one loopback server stands for many hosts")
    ap.add_argument("--log-dir", type=Path, help="keep each daemon's log there")
    args = ap.parse_args()
    trees = [t.resolve() for t in args.tree or [ROOT]]
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, args.feeds, args.items),
                                     daemon=True)
    server.start()
    try:
        if not parent.poll(300):
            raise SystemExit("the feed server did not start")
        feed_port = parent.recv()
        print(f"{args.feeds} feeds x {args.items} items on {HOST}:{feed_port}; requests every "
              f"{args.interval_ms:g} ms; load {os.getloadavg()[0]:.2f}; {os.cpu_count()} cpus",
              flush=True)
        results = [run_tree(tree, feed_port, args) for tree in trees]
    finally:
        server.terminate()
        server.join()
    ends = " reqs t/o err     p50     p95     p99     max"
    print(f"\n{'':66} | {'GET /api/v1/alerts?limit=50 (ms)':<45} | {'GET /healthz (ms)':<45} |"
          f"\n{'tree':<24} articles alerts polled fail  up s  poll s | {ends} | {ends} | load")
    for r in results:
        print(row(r))
    for r in results[1:]:
        ratios = ", ".join(f"{s.path} {s.ms(99) / b.ms(99):.2f}x"
                           for s, b in zip(r.series, results[0].series, strict=True))
        print(f"p99 {r.tree} / {results[0].tree}: {ratios}")
    print("up s: daemon launch to the first /healthz answer; poll s: from then to every source "
          "polled (* = --max-seconds reached); load: 1-minute load average at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
