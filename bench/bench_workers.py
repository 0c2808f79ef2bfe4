"""Benchmark: ingestion with 1, 2 and 3 workers, on PostgreSQL and SQLite.

A feed server in a separate process serves N generated feeds of ~20 items each; the workers are
``python -m monitor run`` subprocesses. The sources are added disabled, the workers started,
then every source is enabled at once and the clock runs until every source has been polled and
every article stored. Prints polls per second and articles per second for each run.

    python bench/bench_workers.py                       # 300 feeds, 1-3 workers, both backends
    python bench/bench_workers.py --feeds 100 --workers 1,2 --backends sqlite
    python bench/bench_workers.py --items 2 --latency 0.3   # slow sites, few new articles

PostgreSQL: ``--postgres-url`` (default ``MONITOR_TEST_POSTGRES_URL``, else the local server);
each run gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.store import Store  # noqa: E402

PROSE = ("the council met on monday to discuss trade and the budget while ministers from "
         "several countries travelled to the summit where talks continued late into the night "
         "and officials said progress was slow but steady")
WORDS = PROSE.split(" ")
TOPICS = ["New sanctions were imposed on the exporters by the council.",
          "The embassy reopened after the talks between the two delegations.",
          "Negotiations on the ceasefire resumed in the capital.",
          "The football club won the cup final on Saturday."]


def _feed(n: int, items: int) -> bytes:
    parts = []
    for k in range(items):
        words = " ".join(WORDS[(n * 7 + k * 3 + j) % len(WORDS)] for j in range(60))
        parts.append(f"<item><title>Report {n}-{k}: {TOPICS[(n + k) % 4][:40]}</title>"
                     f"<guid>feed{n}-item{k}</guid><link>http://127.0.0.1/{n}/{k}</link>"
                     f"<description>{TOPICS[(n + k) % 4]} Item {n}-{k}. {words}.</description>"
                     "</item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f'{"".join(parts)}</channel></rss>').encode()


def _serve(feeds: int, items: int, latency: float, conn: Connection) -> None:
    """The feed server process: reports its port, serves until terminated."""
    bodies = [_feed(n, items) for n in range(feeds)]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)  # a real news site answers in 100-1000 ms
            try:
                body = bodies[int(self.path.rsplit("/", 1)[1])]
                status = 200
            except (ValueError, IndexError):
                body, status = b"not found", 404
            self.send_response(status)
            self.send_header("content-type", "application/rss+xml")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    conn.send(server.server_address[1])
    server.serve_forever()


@contextmanager
def feed_server(feeds: int, items: int, latency: float) -> Iterator[int]:
    ours, theirs = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=_serve, args=(feeds, items, latency, theirs), daemon=True)
    proc.start()
    try:
        yield int(ours.recv())
    finally:
        proc.terminate()
        proc.join(5)


@contextmanager
def database(backend: str, postgres_url: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(backend: str, workers: int, feeds: int, items: int, port: int, postgres_url: str,
        warmup: float, timeout: float) -> tuple[float, int, int, float]:
    """One run: seconds from enabling every source to all polled and stored, and the CPU
    seconds the workers used in all (start-up included)."""
    with database(backend, postgres_url) as url:
        store = Store.open(url)
        now = datetime.now(UTC)
        for n in range(feeds):
            store.add_source("feed", f"http://127.0.0.1:{port}/feed/{n}", interval=3600, now=now)
        store.set_meta("seeded", "1")
        store.close()
        db = create_engine(url)
        with db.begin() as conn:
            conn.execute(text("update sources set enabled = :no"), {"no": False})
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(PYTHONPATH=str(ROOT), MONITOR_DATABASE_URL=url,
                   MONITOR_RULES_DIR=str(ROOT / "rules"), MONITOR_SEEDS_DIR=str(ROOT / "none"),
                   MONITOR_POLL_TICK_SECONDS="0.2", MONITOR_LEASE_SECONDS="120",
                   MONITOR_ALLOW_PRIVATE_NETWORKS="127.0.0.1/32")
        cpu_before = _children_cpu()
        procs = [subprocess.Popen([sys.executable, "-m", "monitor", "run"],
                                  env={**env, "MONITOR_WORKER_ID": f"bench{w}"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for w in range(workers)]
        try:
            _wait_idle([p.pid for p in procs], warmup)  # imports, migrations, scheduler start
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker exited during start-up")
            started = time.monotonic()
            with db.begin() as conn:
                conn.execute(text("update sources set enabled = :yes"), {"yes": True})
            polled = stored = 0
            while time.monotonic() - started < timeout:
                with db.connect() as conn:
                    polled = int(conn.execute(text(
                        "select count(*) from sources where last_polled_at is not null"))
                        .scalar_one())
                    stored = int(conn.execute(text("select count(*) from articles"))
                                 .scalar_one())
                if polled >= feeds and stored >= feeds * items:
                    break
                time.sleep(0.05)
            elapsed = time.monotonic() - started
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
            db.dispose()
        return elapsed, polled, stored, _children_cpu() - cpu_before


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])  # utime + stime


def _wait_idle(pids: list[int], at_least: float) -> None:
    """Wait ``at_least`` seconds, then until the workers stop using CPU (their start-up, with
    its imports and model loading, must not count in the measurement)."""
    time.sleep(at_least)
    deadline = time.monotonic() + 60
    before = [_cpu_ticks(pid) for pid in pids]
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = [_cpu_ticks(pid) for pid in pids]
        if all(b >= 0 and n - b <= 5 for b, n in zip(before, now, strict=True)):
            return  # under 0.1 CPU each (5 ticks of 10 ms in 0.5 s)
        before = now


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped workers only
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=300)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--workers", default="1,2,3")
    ap.add_argument("--backends", default="postgres,sqlite")
    ap.add_argument("--postgres-url", default=os.environ.get(
        "MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--latency", type=float, default=0.0,
                    help="seconds the feed server waits before each answer")
    ap.add_argument("--warmup", type=float, default=3.0,
                    help="seconds for workers to start (then until they are idle)")
    ap.add_argument("--timeout", type=float, default=600.0)
    args = ap.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    print(f"{args.feeds} feeds x {args.items} items, {args.latency}s latency, "
          f"{os.cpu_count()} CPUs")
    print(f"{'backend':<9} {'workers':>7} {'seconds':>8} {'polls/s':>8} {'articles/s':>10}"
          f" {'worker CPU s':>12} {'complete':>9}")
    with feed_server(args.feeds, args.items, args.latency) as port:
        for backend in args.backends.split(","):
            for workers in counts:
                elapsed, polled, stored, cpu = run(backend, workers, args.feeds, args.items, port,
                                              args.postgres_url, args.warmup, args.timeout)
                done = polled >= args.feeds and stored >= args.feeds * args.items
                print(f"{backend:<9} {workers:>7} {elapsed:>8.2f} {polled / elapsed:>8.1f} "
                      f"{stored / elapsed:>10.1f} {cpu:>12.1f} {'yes' if done else 'NO':>9}",
                      flush=True)


if __name__ == "__main__":
    main()
