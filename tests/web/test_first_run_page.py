"""A new user's first look, as the quick start has it: ``monitor run --once`` on a fresh
database, then ``monitor run``, then the console's first page in chromium. Both commands run as
the user runs them (separate processes, default rules, seeds and database, no token), on a
free loopback port rather than 8080 so that a busy machine cannot make it flaky."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.browserhelp import DESKTOP, shot
from tests.web.consolehelp import ROOT


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(PYTHONPATH=str(ROOT), HOME=str(tmp_path), MONITOR_API_PORT="0")
    env.pop("XDG_CACHE_HOME", None)
    return env


def _address(daemon: subprocess.Popen[bytes], log: Path, deadline: float) -> str:
    # The daemon's stderr goes to a file: a pipe nobody reads once the address is known
    # would fill up and stop it.
    while time.monotonic() < deadline and daemon.poll() is None:
        found = re.search(r"API listening on (http://\S+)", log.read_text("utf-8", "replace"))
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError("monitor run never said where it listens:\n" + log.read_text())


@pytest.mark.slow
def test_after_run_once_the_first_page_shows_the_seeds_alerts_highlighted(
        chromium: Any, tmp_path: Path) -> None:
    env = _environment(tmp_path)
    once = subprocess.run([sys.executable, "-m", "monitor", "run", "--once"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert once.returncode == 0, once.stderr
    printed = once.stdout.count("ALERT [")
    assert printed >= 3, once.stdout  # the seeds' alerts, on a database made just now
    assert (tmp_path / "monitor.db").is_file()

    log = tmp_path / "daemon.log"
    with log.open("wb") as err:
        daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=tmp_path,
                                  env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        address = _address(daemon, log, time.monotonic() + 120)
        errors: list[str] = []
        page = chromium.new_page(viewport=DESKTOP)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(address + "/")
        # No token: loopback gets its session at once and lands on the inbox.
        assert page.url == address + "/", page.url
        page.wait_for_selector("#alerts mark")
        alerts = page.locator("#alerts .alert")
        assert alerts.count() == printed
        for i in range(alerts.count()):
            marks = alerts.nth(i).locator(".evidence mark").all_inner_texts()
            assert marks and all(m.strip() for m in marks), (i, marks)
            # The sample source by its name, not by the folder's path on the server.
            meta = alerts.nth(i).locator(".meta").inner_text()
            assert "Sample articles" in meta and str(ROOT) not in meta, meta
        shot(page, "first-run")
        # Styles, script and icon come from the daemon itself: no CDN, none elsewhere.
        assert any("/static/console.js" in u for u in asked), asked
        assert [u for u in asked if not u.startswith(address + "/")] == []
        page.close()
        assert not errors, errors
    finally:
        daemon.terminate()
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
