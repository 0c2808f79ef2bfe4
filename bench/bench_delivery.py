"""Deliveries per second through the real outbox worker to a local receiver.

The receiver runs in its own process (uvicorn, a bare ASGI app) so that it does not compete with
the deliverer for the event loop. Two cases: a receiver that answers at once, and one that takes
200 ms per request. Targets: at least 500/s and 100/s.

    python bench/bench_delivery.py [--fast N] [--slow N] [--concurrency C] [--slow-concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


def serve(port: int, delay: float) -> None:
    """The receiver: 204 to every POST, after ``delay`` seconds."""
    import uvicorn

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        if delay:
            await asyncio.sleep(delay)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    # httptools and uvloop (the bench extra) keep the receiver's share of the CPU small.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=4096,
                http="auto", loop="auto")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"receiver on port {port} did not start")


def _fill(db_url: str, n: int) -> None:
    from monitor.delivery.payload import alert_payload
    from monitor.delivery.targets import choose
    from monitor.models import Article, Evidence, Match
    from monitor.reader.stories import plan_poll
    from monitor.store import PollOutcome, Store

    store = Store.open(db_url)
    now = datetime.now(UTC)
    src = store.add_source("feed", "http://127.0.0.1/bench", interval=60, now=now)
    assert src.id is not None
    ev = (Evidence("talks", "body", 0, 5, "talks", "«talks» resumed"),)
    for start in range(0, n, 1000):
        found = [(Article(title=f"Talks {i}", body=f"talks resumed {i}", guid=f"g{i}",
                          content_hash=f"h{i}", url=f"https://news.example/{i}"),
                  [Match("negotiations", "Negotiations", 1.0, ev)])
                 for i in range(start, min(n, start + 1000))]
        plan = plan_poll(found, targets=["bench"], route=choose, payload=alert_payload,
                         since=now)
        store.save_poll(src.id, PollOutcome("ok", now), plan, now=now)
    store.close()


async def _deliver(db_url: str, url: str, concurrency: int) -> tuple[int, float, float]:
    from monitor.app import delivery_client
    from monitor.clock import utcnow
    from monitor.delivery.notifiers.webhook import WebhookNotifier
    from monitor.delivery.targets import TargetConfig
    from monitor.delivery.worker import Deliverer
    from monitor.store import Store

    store = Store.open(db_url)
    target = TargetConfig("bench", url, secrets=(SECRET,), concurrency=concurrency)
    async with delivery_client({"bench": target}) as client:
        notifier = WebhookNotifier("bench", url, [SECRET], client, timeout=10.0)
        deliverer = Deliverer(store, {"bench": notifier}, utcnow, worker="bench",
                              concurrency=concurrency)
        started, cpu = time.perf_counter(), time.process_time()
        report = await deliverer.deliver_due()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    pending = len(store.deliveries("pending"))
    store.close()
    if pending or report.failed or report.dead:
        raise SystemExit(f"not all delivered: {report}, {pending} pending")
    return report.delivered, elapsed, cpu


def run_case(name: str, n: int, delay: float, concurrency: int) -> float:
    port = _port()
    receiver = subprocess.Popen([sys.executable, __file__, "--serve", str(port),
                                 "--delay", str(delay)])
    try:
        _wait_listening(port)
        with tempfile.TemporaryDirectory() as tmp:
            db_url = f"sqlite:///{tmp}/bench.db"
            _fill(db_url, n)
            delivered, elapsed, cpu = asyncio.run(_deliver(db_url, f"http://127.0.0.1:{port}/hook",
                                                      concurrency))
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    rate = delivered / elapsed
    print(f"{name:<18} {delivered:>6} deliveries in {elapsed:6.2f} s = {rate:7.1f}/s "
          f"(concurrency {concurrency}, receiver delay {delay * 1000:.0f} ms; "
          f"deliverer CPU {cpu / delivered * 1000:.2f} ms each)", flush=True)
    return rate


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fast", type=int, default=5000, help="deliveries to the instant receiver")
    p.add_argument("--slow", type=int, default=1500, help="deliveries to the 200 ms receiver")
    p.add_argument("--concurrency", type=int, default=32,
                   help="per-target concurrency, instant receiver")
    p.add_argument("--slow-concurrency", type=int, default=64,
                   help="per-target concurrency, 200 ms receiver")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    p.add_argument("--delay", type=float, default=0.0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve(args.serve, args.delay)
        return 0
    fast = run_case("instant receiver", args.fast, 0.0, args.concurrency)
    slow = run_case("200 ms receiver", args.slow, 0.2, args.slow_concurrency)
    ok = fast >= 500 and slow >= 100
    print(f"targets: >= 500/s and >= 100/s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
