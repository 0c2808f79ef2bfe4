"""``monitor run`` as a real process: API on a free port, graceful SIGTERM, second signal."""

from __future__ import annotations

import json
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI, RULES

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>
<item><title>Ceasefire talks resume</title><guid>s-1</guid><description>Talks.</description>
</item></channel></rss>"""
TOKEN = "lifecycle-token-9d3e1b7a"
ROOT = Path(__file__).resolve().parents[1]


class Daemon:
    """A running ``monitor run`` whose stderr lines are read as they come."""

    def __init__(self, cli: CLI, tmp_path: Path, *args: str, **env: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", *args],
                                     cwd=tmp_path,
                                     env={**cli.env, **env}, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        assert self.proc.stderr is not None
        self.proc.stderr.close()

    def wait_line(self, needle: str, timeout: float = 60) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            self.seen.append(line)
            if needle in line:
                return line

    def events(self) -> list[dict[str, object]]:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return [json.loads(x) for x in self.seen if x.startswith("{")]

    def api_url(self) -> str:
        return self.wait_line("API listening on").rsplit(" ", 1)[1].strip()


@pytest.fixture
def slow_feed(server: LoopbackServer) -> Iterator[str]:
    server.route("/slow", Reply(200, RSS, {"content-type": "text/xml"}, delay=60))
    yield server.url("/slow")


def _lease(tmp_path: Path) -> tuple[object, object]:
    con = sqlite3.connect(tmp_path / "monitor.db")
    try:
        row = con.execute("SELECT lease_owner, lease_until FROM sources "
                          "WHERE kind = 'feed'").fetchone()
        return row[0], row[1]
    finally:
        con.close()


def _wait_for_version(url: str, old: str, auth: dict[str, str]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body: dict[str, object] = httpx.get(f"{url}/api/v1/rules", headers=auth).json()
        if body["version"] != old or body["rejected_change"]:
            return body
        time.sleep(0.1)
    raise AssertionError("the rule change was never picked up")


@pytest.mark.slow
def test_api_serves_then_sigterm_releases_in_flight_work_and_exits_0(
        cli: CLI, tmp_path: Path, server: LoopbackServer, slow_feed: str) -> None:
    assert cli("sources", "add", slow_feed).returncode == 0
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    auth = {"authorization": f"Bearer {TOKEN}"}
    with Daemon(cli, tmp_path, MONITOR_SHUTDOWN_GRACE="1", MONITOR_API_TOKEN=TOKEN,
                MONITOR_POLL_TICK_SECONDS="0.2", MONITOR_RELOAD_SECONDS="0.2",
                MONITOR_RULES_DIR=str(rules)) as daemon:
        url = daemon.api_url()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":8080")
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert httpx.get(f"{url}/readyz").json()["ready"] is True

        # Hot reload in the running process: a good change applies, a bad one is refused.
        first = httpx.get(f"{url}/api/v1/rules", headers=auth).json()["version"]
        (rules / "truce.yaml").write_text("id: truce\nquery: truce\n", "utf-8")
        applied = _wait_for_version(url, first, auth)
        assert "truce" in [r["id"] for r in applied["items"]]
        (rules / "truce.yaml").write_text("id: truce\n", "utf-8")
        refused = _wait_for_version(url, str(applied["version"]), auth)
        assert refused["version"] == applied["version"] and refused["rejected_change"]
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["ready"] is True and ready["reload"]["rules_rejected"]

        server.wait_for(1, "/slow", timeout=30)  # a poll is in flight now
        assert httpx.get(f"{url}/api/v1/sources").status_code == 401
        listed = httpx.get(f"{url}/api/v1/sources",
                           headers={"authorization": f"Bearer {TOKEN}"}).json()
        assert slow_feed in [s["url"] for s in listed["items"]]
        assert _lease(tmp_path)[0] is not None
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=30) == 0
    events = [e["event"] for e in daemon.events()]
    for name in ("daemon.started", "daemon.stopping", "daemon.shutdown.timeout",
                 "daemon.stopped", "rules.reload.applied", "rules.reload.rejected"):
        assert name in events, events
    assert _lease(tmp_path) == (None, None)  # given back, not left to expire
    # Ticks every 0.2 s while one poll hangs for seconds: skipped quietly, not warned about.
    assert not [line for line in daemon.seen if "running instances" in line]


def test_a_second_signal_exits_at_once(cli: CLI, tmp_path: Path, server: LoopbackServer,
                                       slow_feed: str) -> None:
    assert cli("sources", "add", slow_feed).returncode == 0
    with Daemon(cli, tmp_path, "--no-api", MONITOR_SHUTDOWN_GRACE="600",
                MONITOR_POLL_TICK_SECONDS="0.2") as daemon:
        daemon.wait_line("daemon.started")
        server.wait_for(1, "/slow", timeout=30)
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.wait_line("daemon.stopping")
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert "daemon.shutdown.forced" in [e["event"] for e in daemon.events()]
    assert not any("API listening" in line for line in daemon.seen)


def test_api_refuses_a_public_address_without_a_token(cli: CLI) -> None:
    out = cli("run", MONITOR_API_HOST="0.0.0.0")
    assert out.returncode == 2
    assert "MONITOR_API_HOST" in out.stderr and "MONITOR_API_TOKEN" in out.stderr


def test_no_secret_reaches_the_logs(cli: CLI, server: LoopbackServer, tmp_path: Path) -> None:
    secret = "whsec_" + "c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw=="
    token = "api-token-never-logged-4c1f"
    token_file = tmp_path / "token"
    token_file.write_text(token, encoding="utf-8")
    # The receiver echoes what it got, so a careless error message would carry the secret.
    server.route("/hook", lambda req: Reply(500, req.headers.get("webhook-signature", "")
                                            .encode() + secret.encode() + token.encode()))
    out = cli("-v", "run", "--once", MONITOR_WEBHOOK_URL=server.url(f"/hook?t={token}"),
              MONITOR_WEBHOOK_SECRET=secret, MONITOR_API_TOKEN_FILE=str(token_file),
              MONITOR_LOG_LEVEL="debug")
    assert out.returncode == 0, out.stderr
    assert server.received("/hook")
    assert "delivery.failed" in out.stderr
    for text in (out.stdout, out.stderr):
        assert secret not in text and secret.removeprefix("whsec_") not in text
        assert token not in text


def test_a_busy_api_port_is_named(cli: CLI) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        out = cli("run", MONITOR_API_PORT=port)
    assert out.returncode == 2
    assert f"MONITOR_API_PORT: cannot listen on 127.0.0.1:{port}" in out.stderr
