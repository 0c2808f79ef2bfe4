"""``monitor alerts list --failed | show | replay | targets | enable`` as an operator uses them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI
from tests.deliveryhelp import SECRET


def test_dead_deliveries_are_listed_and_replayed_with_their_webhook_id(
        cli: CLI, server: LoopbackServer) -> None:
    server.route("/hook", Reply(422, b"no thanks"))  # permanent: dead at once
    env = {"MONITOR_WEBHOOK_URL": server.url("/hook"), "MONITOR_WEBHOOK_SECRET": SECRET}
    assert cli("run", "--once", **env).returncode == 0
    first = {r.headers["webhook-id"] for r in server.received("/hook")}
    failed = [json.loads(line) for line in
              cli("alerts", "list", "--failed", "--json").stdout.splitlines()]
    assert failed and {d["webhook_id"] for d in failed} == first
    assert all(d["status"] == "dead" and d["last_status_code"] == 422 for d in failed)
    text = cli("alerts", "list", "--failed").stdout
    assert str(failed[0]["webhook_id"]) in text and "HTTP 422" in text
    shown = json.loads(cli("alerts", "show", str(failed[0]["id"]), "--json").stdout)
    assert [a["status_code"] for a in shown["history"]] == [422]
    assert shown["history"][0]["outcome"] == "dead"

    one = cli("alerts", "replay", str(failed[0]["id"]))
    assert one.returncode == 0 and one.stdout.startswith("1 deliveries queued")
    server.route("/hook", Reply(204))
    assert cli("run", "--once", **env).returncode == 0
    assert server.received("/hook")[-1].headers["webhook-id"] == failed[0]["webhook_id"]
    rest = cli("alerts", "replay", "--failed")
    assert rest.stdout.startswith(f"{len(failed) - 1} deliveries queued")
    assert cli("run", "--once", **env).returncode == 0
    assert cli("alerts", "list", "--failed").stdout == ""
    assert {r.headers["webhook-id"] for r in server.received("/hook")} == first
    assert cli("alerts", "replay").returncode == 2  # neither ids nor --failed: says so


def test_targets_are_listed_and_a_gone_one_can_be_enabled(cli: CLI, server: LoopbackServer,
                                                          tmp_path: Path) -> None:
    server.route("/gone", Reply(410))
    server.route("/ok", Reply(200))
    config = tmp_path / "monitor.toml"
    config.write_text(f'[targets.gone]\nurl = "{server.url("/gone")}"\n'
                      f'[targets.ok]\nurl = "{server.url("/ok")}"\nsecrets = ["{SECRET}"]\n')
    assert cli("run", "--once").returncode == 0  # ./monitor.toml is read by default
    listed = {t["name"]: t for t in map(json.loads, cli("alerts", "targets", "--json")
                                        .stdout.splitlines())}
    assert listed["gone"]["disabled"] and listed["gone"]["dead"] > 0
    assert listed["ok"]["disabled"] is None and listed["ok"]["delivered"] > 0
    tried = len(server.received("/gone"))
    assert 1 <= tried <= 8  # the ones in flight beside the first 410; the rest never sent
    assert "DISABLED" in cli("alerts", "targets").stdout
    enabled = cli("alerts", "enable", "gone")
    assert "enabled again" in enabled.stdout
    server.route("/gone", Reply(200))
    assert cli("alerts", "replay", "--failed").returncode == 0
    assert cli("run", "--once").returncode == 0
    assert len(server.received("/gone")) == tried + listed["gone"]["dead"]


def test_a_chat_channel_through_monitor_run(cli: CLI, server: LoopbackServer,
                                            tmp_path: Path) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("apprise")
    server.route("/chat", Reply(200))
    (tmp_path / "monitor.toml").write_text(
        f'[targets.chat]\nkind = "apprise"\nurl = "json://127.0.0.1:{server.port}/chat"\n'
        'template = "$rule_id: $title"\n'
        '[rules.sanctions]\ndigest = "1d"\n')
    run = cli("run", "--once")
    assert run.returncode == 0, run.stderr
    messages = [json.loads(r.body) for r in server.received("/chat")]
    assert messages and all(m["title"].startswith("[") for m in messages)
    assert any(m["message"].startswith("negotiations: ") for m in messages)
    assert not any(m["message"].startswith("sanctions: ") for m in messages)  # held for its digest
    held = [json.loads(line) for line in cli("alerts", "targets", "--json").stdout.splitlines()]
    assert held[0]["held"] >= 1
