"""``monitor run`` as a service: keeps polling until SIGINT or SIGTERM, then exits 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Ceasefire talks resume {n}</title><guid>g-{n}</guid>
<description>Russia and Ukraine resumed ceasefire talks in {city}.</description></item>
</channel></rss>"""
# Each poll's item is news of its own: the same text again would be one story, alerted once.
CITIES = ("Istanbul", "Geneva", "Riyadh", "Doha", "Vienna", "Oslo", "Ankara", "Cairo")


# SIGINT and SIGTERM go to one handler (monitor/daemon.py) whatever the database, and the
# polling loop is the same for either signal: both signals on SQLite, and the loop on
# PostgreSQL once. The fourth combination ran the same two paths again, for 5 s of a subprocess.
@pytest.mark.slow
@pytest.mark.parametrize(("db_backend", "sig"), [
    ("sqlite", signal.SIGTERM), ("sqlite", signal.SIGINT),
    pytest.param("postgres", signal.SIGTERM, marks=pytest.mark.postgres)],
    indirect=["db_backend"])
def test_daemon_polls_due_sources_until_signalled(cli: CLI, server: LoopbackServer,
                                                  tmp_path: Path, sig: signal.Signals) -> None:
    polls = {"n": 0}

    def feed(_req: object) -> Reply:
        polls["n"] += 1
        body = RSS.format(n=polls["n"], city=CITIES[polls["n"] % len(CITIES)])
        return Reply(200, body.encode(), {"content-type": "text/xml"})

    server.route("/feed", feed)
    assert cli("sources", "add", server.url("/feed"), "--interval", "1").returncode == 0
    env = {**cli.env, "MONITOR_POLL_TICK_SECONDS": "0.2", "MONITOR_DELIVER_TICK_SECONDS": "0.2"}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        server.wait_for(3, "/feed", timeout=30)  # polled again and again, once per interval
    finally:
        time.sleep(0.3)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "ALERT [negotiations] Ceasefire talks resume 1" in out
    assert "ALERT [negotiations] Ceasefire talks resume 2" in out
