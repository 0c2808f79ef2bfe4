"""Time to alert, end to end: items published on local feeds while ``monitor run`` runs, timed
from publication to the webhook's arrival (p50/p95/p99).

Two cases, each a fresh database and daemon with default settings except
MONITOR_ALLOW_PRIVATE_NETWORKS (loopback feeds and receiver) and, for WebSub, MONITOR_PUBLIC_URL:
- polled: a source added with ``--interval 60`` (MONITOR_MIN_INTERVAL_SECONDS=60 lets the
  adaptive schedule go that low; the default floor is 300 s); items appear at random moments;
- websub: a feed advertising a loopback hub (tests/websubhub.py); each item is pushed.

    python bench/bench_latency.py [--polled-seconds 180] [--pushes 30]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.testing import LoopbackServer, Reply, Request  # noqa: E402
from tests.websubhub import Hub, atom  # noqa: E402


class Feed:
    """A feed whose items carry the time they were published (in their id)."""

    def __init__(self, server: LoopbackServer, path: str, hub: Hub | None) -> None:
        self.server, self.topic, self.hub = server, server.url(path), hub
        self.entries: list[tuple[str, str, str]] = [("0", "Markets", "Prices rose.")]
        self.lock = threading.Lock()
        server.route(path, self._serve)

    def body(self) -> bytes:
        with self.lock:
            return atom(self.topic, self.hub.url if self.hub else "", self.entries[-20:][::-1])

    def _serve(self, _req: Request) -> Reply:
        body = self.body()
        if self.hub is None:  # no hub link: a plain polled feed
            body = body.replace(b"<link rel='hub' href=''/>", b"")
        return Reply(200, body, {"content-type": "application/atom+xml"})

    def publish(self, n: int) -> float:
        at = time.time()
        with self.lock:
            self.entries.append((f"item-{n}-{at:.6f}", f"Earthquake number {n}",
                                 f"Quake report {n}."))
        if self.hub is not None:
            self.hub.publish(self.topic, self.body())
        return at


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"n={len(values)} (too few)"
    q = statistics.quantiles(values, n=100, method="inclusive")
    return (f"n={len(values)}  p50={q[49]:.2f} s  p95={q[94]:.2f} s  p99={q[98]:.2f} s  "
            f"max={max(values):.2f} s")


def run_case(name: str, *, websub: bool, publish: int, spacing: float,
             jitter: float) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer() as server:
        hub = Hub(server) if websub else None
        feed = Feed(server, "/feed", hub)
        arrived: dict[str, float] = {}

        def hook(req: Request) -> Reply:
            import json

            url = json.loads(req.body)["data"]["article"]["url"]
            arrived[url.rsplit("/", 1)[-1]] = req.at
            return Reply(200)

        server.route("/hook", hook)
        rules = Path(tmp, "rules")
        rules.mkdir()
        (rules / "quake.yaml").write_text("id: quake\nquery: earthquake\n", "utf-8")
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(MONITOR_DATABASE_URL=f"sqlite:///{tmp}/m.db", MONITOR_RULES_DIR=str(rules),
                   MONITOR_SEEDS_DIR=str(Path(tmp, "none")), PYTHONPATH=str(ROOT),
                   MONITOR_ALLOW_PRIVATE_NETWORKS="127.0.0.1/32", MONITOR_API_PORT=str(port),
                   MONITOR_WEBHOOK_URL=server.url("/hook"), MONITOR_LOG_LEVEL="warning")
        if websub:
            env["MONITOR_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        else:
            env["MONITOR_MIN_INTERVAL_SECONDS"] = "60"
        add = [sys.executable, "-m", "monitor", "sources", "add", feed.topic,
               "--interval", "60"]
        subprocess.run(add, env=env, cwd=tmp, check=True, capture_output=True)
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run"], env=env, cwd=tmp,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while hub is not None and feed.topic not in hub.subscribers:
                assert time.monotonic() < deadline, "the daemon never subscribed"
                time.sleep(0.1)
            while not server.received("/feed"):  # the first poll has read the backlog
                assert time.monotonic() < deadline, "the daemon never polled"
                time.sleep(0.1)
            time.sleep(1)
            published: dict[str, float] = {}
            rng = random.Random(7)
            for n in range(publish):
                time.sleep(spacing + rng.uniform(0, jitter))
                at = feed.publish(n)
                published[feed.entries[-1][0]] = at
            wait_until = time.monotonic() + (5 if websub else 75)
            while len(arrived) < len(published) and time.monotonic() < wait_until:
                time.sleep(0.1)
        finally:
            daemon.terminate()
            daemon.wait(timeout=30)
        lat = [arrived[k] - at for k, at in published.items() if k in arrived]
        missing = len(published) - len(lat)
        print(f"{name:<22} {_percentiles(lat)}" + (f"  ({missing} not arrived)" if missing
                                                    else ""))
        return lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--polled-seconds", type=float, default=180,
                    help="how long items are published on the polled feed")
    ap.add_argument("--pushes", type=int, default=30)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    run_case("websub (push)", websub=True, publish=args.pushes, spacing=0.3, jitter=0.4)
    every = 6.0
    run_case("polled, interval 60 s", websub=False,
             publish=max(2, int(args.polled_seconds / (every + 3))), spacing=every, jitter=6)


if __name__ == "__main__":
    main()
