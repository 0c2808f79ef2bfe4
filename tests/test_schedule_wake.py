"""The daemon wakes when a source falls due, not only at its poll tick: with the default 15 s
tick a 60 s interval stretched to 75 s (time-to-alert p95 above the interval plus 5 s)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI

pytestmark = pytest.mark.slow  # started first when the tests run in parallel

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Item {n}</title><guid>g-{n}</guid><description>Text {n}.</description></item>
</channel></rss>"""


def test_a_source_is_polled_when_due_between_ticks(cli: CLI, server: LoopbackServer,
                                                   tmp_path: Path) -> None:
    polls = {"n": 0}

    def feed(_req: object) -> Reply:
        polls["n"] += 1
        return Reply(200, RSS.format(n=polls["n"]).encode(), {"content-type": "text/xml"})

    server.route("/feed", feed)
    assert cli("sources", "add", server.url("/feed"), "--interval", "1").returncode == 0
    # A tick far longer than the test: only the wake-ups at the due time can poll again.
    env = {**cli.env, "MONITOR_POLL_TICK_SECONDS": "600"}
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        server.wait_for(4, "/feed", timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
