"""The workbench against the world outside it: a rule tested on a page fetched by URL (a
loopback site), a backtest's chart and examples, and saving into a rules directory on a
read-only mount (a real one, in a private mount namespace, so it holds for root as well)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from monitor.app import App
from monitor.testing import LoopbackServer, Reply
from tests.conftest import RULES
from tests.web.consolehelp import ROOT, log_in, settings_for, with_console

PROBE = "id: probe\nname: Probe\nquery: embargo\n"
PAGE = (b"<html><head><title>Oil embargo widened</title></head><body><article>"
        b"<h1>Oil embargo widened</h1><p>The European Union widened its oil embargo on "
        b"Tuesday, ministers said after a long meeting in Brussels. The embargo now covers "
        b"refined products as well as crude oil shipped by sea.</p></article></body></html>")


def test_a_rule_is_tested_on_a_page_fetched_by_url(tmp_path: Path,
                                                   server: LoopbackServer) -> None:
    server.route("/story", Reply(200, PAGE, {"content-type": "text/html; charset=utf-8"}))

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": PROBE, "action": "test",
                                              "url": server.url("/story")})
        assert r.status_code == 200, r.text[:500]
        assert "<h2>Matches</h2>" in r.text and "<mark>embargo</mark>" in r.text
        assert "Oil embargo widened" in r.text  # the page's title, read from the fetched page
        assert server.received("/story")
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": PROBE, "action": "test",
                                              "url": server.url("/gone")})
        assert "could not read" in r.text and "No match" not in r.text
        fetched = len(server.received("/story"))
        broken = "id: probe\nname: Probe\nquery: 'embargo AND (oil'\n"
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": broken, "action": "test",
                                              "url": server.url("/story")})
        assert r.status_code == 422 and "No match" not in r.text  # its problems, named
        assert len(server.received("/story")) == fetched  # an invalid rule fetches nothing

    with_console(settings_for(tmp_path), scenario, polled=False)


def test_a_backtest_draws_counts_per_day_and_gives_examples(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        rule = "id: probe\nname: Probe\nquery: sanctions OR ceasefire OR Verhandlungen\n"
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": rule,
                                              "action": "backtest", "since": "30d"})
        assert r.status_code == 200
        section = r.text[r.text.index('id="backtest"'):]
        assert '<svg class="chart"' in section and 'class="bar"' in section
        assert "Alerts per day:" in section
        examples = section[section.index('class="examples"'):]
        assert examples.count("<li><a href=") >= 2 and "<mark>" in examples

    with_console(settings_for(tmp_path), scenario)


def saving_is_refused_on_a_read_only_mount(tmp: str) -> None:
    """Run inside the mount namespace, where ``tmp``/rules is mounted read-only."""
    rules = Path(tmp) / "rules"

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        page = (await c.get("/rules/edit?id=sanctions")).text
        assert "Saving is off:" in page and "read-only" in page
        r = await c.post("/rules/edit", data={"csrf": csrf, "action": "save", "yaml": PROBE})
        assert r.status_code == 409 and "not saved:" in r.text and "read-only" in r.text
        r = await c.post("/rules/edit", data={"csrf": csrf, "action": "save",
                                              "rule_id": "sanctions", "yaml": PROBE})
        assert r.status_code == 409 and "read-only" in r.text
        assert not (rules / "probe.yaml").exists()

    with_console(settings_for(Path(tmp), rules_dir=rules), scenario, polled=False)


def test_saving_says_why_on_a_read_only_rules_directory(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    before = (rules / "sanctions.yaml").read_text("utf-8")
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare(1) to mount the rules directory read-only")
    code = (f"from tests.web.test_workbench_io import saving_is_refused_on_a_read_only_mount "
            f"as go; go({str(tmp_path)!r})")
    script = ('mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && '
              'touch "$1/.probe" 2>/dev/null && { echo "the mount is writable" >&2; exit 3; }; '
              'shift; exec "$@"')
    # -r: a user namespace where this user is root, so no privilege is needed; -m: the
    # read-only mount is private to the child and goes away with it.
    done = subprocess.run([unshare, "-rm", "sh", "-c", script, "sh", str(rules),
                           sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0 and "unshare failed" in done.stderr \
            and os.environ.get("CI") != "true":
        pytest.skip(f"no user namespaces here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (rules / "sanctions.yaml").read_text("utf-8") == before


def test_a_write_that_fails_says_why_and_changes_nothing(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / ".probe.yaml.tmp").mkdir()  # where the new file is written first: cannot be

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        r = await c.post("/rules/edit", data={"csrf": csrf, "action": "save", "yaml": PROBE})
        assert r.status_code == 409, r.text[:300]
        assert "not saved: could not write probe.yaml" in r.text
        assert not (rules / "probe.yaml").exists()
        assert "probe" not in {rule.id for rule in app.matcher.rules}

    with_console(settings_for(tmp_path, rules_dir=rules), scenario, polled=False)
