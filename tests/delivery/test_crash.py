"""``monitor run`` loses no alert: SIGKILLed mid-delivery, or facing a receiver that is down.

These run the real daemon in a subprocess against receivers on loopback, with short retry
settings (and a short lease where the default one is not the point) so that they finish in
seconds.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from monitor.store import Store
from monitor.testing import LoopbackServer, Reply, Request
from tests.conftest import CLI
from tests.deliveryhelp import SECRET

pytestmark = pytest.mark.slow  # started first when the tests run in parallel

N = 8


def _articles(folder: Path) -> None:
    folder.mkdir()
    for i in range(N):
        a, b, city = _PARTIES[i % len(_PARTIES)]
        (folder / f"{i:03}.txt").write_text(
            f"---\ntitle: Ceasefire talks resume {i}\nlanguage: en\n---\n"
            f"{a} and {b} resumed ceasefire talks in {city} (round {i}).\n", encoding="utf-8")


# Distinct stories, so that story clustering never folds them into one alert.
_PARTIES = [("Russia", "Ukraine", "Istanbul"), ("Israel", "Hamas", "Cairo"),
            ("Armenia", "Azerbaijan", "Washington"), ("Sudan", "the RSF", "Jeddah"),
            ("India", "Pakistan", "Geneva"), ("Ethiopia", "Eritrea", "Nairobi"),
            ("Serbia", "Kosovo", "Brussels"), ("Yemen", "the Houthis", "Riyadh"),
            ("Iran", "the United States", "Muscat"), ("Lebanon", "Israel", "Naqoura")]


def _start(cli: CLI, tmp_path: Path, url: str, **extra: str) -> subprocess.Popen[str]:
    env = {**cli.env, "MONITOR_DELIVERY_LEASE_SECONDS": "1",
           "MONITOR_SEEDS_DIR": str(tmp_path / "articles"),
           "MONITOR_WEBHOOK_URL": url, "MONITOR_WEBHOOK_SECRET": SECRET,
           "MONITOR_POLL_TICK_SECONDS": "0.2", "MONITOR_DELIVER_TICK_SECONDS": "0.2",
           "MONITOR_RETRY_BASE_SECONDS": "0.05", "MONITOR_RETRY_MAX_SECONDS": "0.5", **extra}
    env = {k: v for k, v in env.items() if v != "default"}
    return subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def _delivered(store: Store) -> int:
    return len(store.deliveries("delivered"))


def test_sigkill_in_the_middle_of_delivering_loses_nothing(cli: CLI, tmp_path: Path,
                                                           db_url: str) -> None:
    """Killed mid-delivery under the default worker id and the default lease (no test
    shortcut): the restart, a new process, does not wait for the leases the dead one left, and
    every alert arrives, signed, under one id."""
    _articles(tmp_path / "articles")
    env = {"MONITOR_DELIVERY_LEASE_SECONDS": "default", "MONITOR_DELIVERY_CONCURRENCY": "2"}
    with LoopbackServer() as server:
        server.route("/hook", Reply(200, delay=0.4))  # slow: the kill lands mid-request
        proc = _start(cli, tmp_path, server.url("/hook"), **env)
        try:
            server.wait_for(3, "/hook", timeout=60)
        finally:
            proc.kill()  # SIGKILL: no handler, no clean-up, leases left behind
            proc.communicate(timeout=30)
        store = Store.open(db_url)
        assert len(store.deliveries()) == N
        assert _delivered(store) < N  # it really died with work in hand
        assert any(d.lease_owner for d in store.deliveries())  # and leases held
        restarted = time.monotonic()
        proc = _start(cli, tmp_path, server.url("/hook"), **env)
        try:
            # the old lease was 300 s, the new one 60 s: both far beyond this bound
            _wait(lambda: _delivered(store) == N, "every delivery recorded as delivered",
                  timeout=40)
            took = time.monotonic() - restarted
        finally:
            _stop(proc)
        got = server.received("/hook")
    print(f"restart to all delivered: {took:.1f} s")
    ids = [d.webhook_id for d in store.deliveries()]
    by_id: dict[str, set[bytes]] = {}
    for request in got:
        Webhook(SECRET).verify(request.body, request.headers)
        by_id.setdefault(request.headers["webhook-id"], set()).add(request.body)
    assert set(by_id) == set(ids)  # every alert arrived ...
    assert all(len(bodies) == 1 for bodies in by_id.values())  # ... a duplicate is the same
    titles = {json.loads(b)["data"]["article"]["title"] for bodies in by_id.values()
              for b in bodies}
    assert len(titles) == N  # and no alert arrived under two different ids
    store.close()


def test_a_daemon_restarted_after_sigkill_sends_at_once_with_the_default_lease(
        cli: CLI, tmp_path: Path, db_url: str) -> None:
    """With the default lease (no test shortcut), the restarted daemon does not wait for the
    leases its killed predecessor left under its own id (``MONITOR_WORKER_ID``). Under the
    default id of a process of this machine that no longer runs: the test above."""
    _articles(tmp_path / "articles")
    env = {"MONITOR_DELIVERY_LEASE_SECONDS": "default", "MONITOR_WORKER_ID": "worker-1",
           "MONITOR_DELIVERY_CONCURRENCY": "2"}
    with LoopbackServer() as server:
        server.route("/hook", Reply(200, delay=0.4))
        proc = _start(cli, tmp_path, server.url("/hook"), **env)
        try:
            server.wait_for(3, "/hook", timeout=60)
        finally:
            proc.kill()
            proc.communicate(timeout=30)
        store = Store.open(db_url)
        assert any(d.lease_owner for d in store.deliveries())  # it died holding leases
        restarted = time.monotonic()
        proc = _start(cli, tmp_path, server.url("/hook"), **env)
        try:
            # the old lease was 300 s, the new one 60 s: both far beyond this bound
            _wait(lambda: _delivered(store) == N, "every delivery delivered", timeout=40)
            took = time.monotonic() - restarted
        finally:
            _stop(proc)
    print(f"restart to all delivered: {took:.1f} s")
    assert took < 40
    store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_refused_then_failing_then_recovered_receiver_gets_everything_in_order(
        cli: CLI, tmp_path: Path, db_url: str, concurrency: str) -> None:
    _articles(tmp_path / "articles")
    port = _free_port()  # nothing listens here yet: connections are refused
    proc = _start(cli, tmp_path, f"http://127.0.0.1:{port}/hook",
                  MONITOR_DELIVERY_CONCURRENCY=concurrency)
    store = Store.open(db_url)
    try:
        _wait(lambda: any("ConnectError" in (d.last_error or "") for d in store.deliveries()),
              "deliveries refused")
        lock, answered = threading.Lock(), {"n": 0}

        def flaky(_r: Request) -> Reply:
            with lock:
                answered["n"] += 1
                return Reply(500 if answered["n"] <= 6 else 200)

        with LoopbackServer(port) as server:
            server.route("/hook", flaky)
            _wait(lambda: _delivered(store) == N, "every delivery delivered after recovery")
            got = server.received("/hook")
    finally:
        _stop(proc)
    assert [d.status for d in store.deliveries()] == ["delivered"] * N
    assert min(d.attempts for d in store.deliveries()) >= 1
    failures = sum(1 for r in got[:6])
    assert failures == 6
    ids = [d.webhook_id for d in store.deliveries()]  # creation order
    firsts: list[str] = []
    for request in got:
        if request.headers["webhook-id"] not in firsts:
            firsts.append(request.headers["webhook-id"])
    assert set(firsts) == set(ids)
    if concurrency == "1":
        # strict: nothing newer was even tried before everything older had been delivered
        successes = [r.headers["webhook-id"] for r in got[6:]]
        assert successes == ids
        assert firsts == ids
    store.close()
