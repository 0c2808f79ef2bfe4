"""CLI parity with the API: sources pause|resume|remove|poll, --version, one --json convention
(JSON Lines for lists, the API's field names), and a closed pipe that ends quietly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from monitor import __version__
from tests.conftest import CLI, json_lines

ARTICLE = ("---\ntitle: Embassy reopens in Kabul\nlanguage: en\n---\n"
           "The embassy reopened its consular section in Kabul on Monday.\n")


def _folder(cli: CLI, tmp_path: Path) -> int:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE, encoding="utf-8")
    assert cli("sources", "add", str(folder)).returncode == 0
    [source] = [s for s in json_lines(cli("sources", "list", "--json").stdout)
                if s["url"] == str(folder.resolve())]
    return int(source["id"])


def test_sources_pause_resume_poll_remove(cli: CLI, tmp_path: Path) -> None:
    sid = _folder(cli, tmp_path)
    paused = cli("sources", "pause", str(sid), "--json")
    assert paused.returncode == 0, paused.stderr
    assert json.loads(paused.stdout)["enabled"] is False
    listed = {s["id"]: s for s in json_lines(cli("sources", "list", "--json").stdout)}
    assert listed[sid]["enabled"] is False
    assert cli("sources", "resume", str(sid)).stdout.startswith(f"source {sid}: resumed")

    polled = cli("sources", "poll", str(sid))
    assert polled.returncode == 0, polled.stderr
    assert "ALERT [embassies] Embassy reopens in Kabul" in polled.stdout
    assert f"source {sid}: ok, 1 items, 1 new articles, 1 alerts" in polled.stdout
    again = json.loads(cli("sources", "poll", str(sid), "--json").stdout)
    assert again["id"] == sid and again["poll"]["new_articles"] == 0  # polled now, again

    missing = cli("sources", "pause", str(sid), "999")
    assert missing.returncode == 1 and missing.stderr.strip() == "monitor: no source 999"
    assert cli("sources", "poll", "999").returncode == 1
    removed = cli("sources", "remove", str(sid))
    assert removed.returncode == 0 and "removed" in removed.stdout
    assert sid not in {s["id"] for s in json_lines(cli("sources", "list", "--json").stdout)}
    assert cli("sources", "remove", str(sid)).returncode == 1


def test_alerts_list_json_has_the_apis_fields_with_title_url_rule_and_evidence(
        cli: CLI, tmp_path: Path) -> None:
    sid = _folder(cli, tmp_path)
    assert cli("sources", "poll", str(sid)).returncode == 0
    [alert] = [a for a in json_lines(cli("alerts", "list", "--json").stdout)
               if a["title"] == "Embassy reopens in Kabul"]
    assert alert["rule"] == "embassies"
    assert "url" in alert and alert["article"]["title"] == alert["title"]
    assert alert["evidence"] and {"field", "term"} <= set(alert["evidence"][0])
    assert isinstance(alert["deliveries"], list)


def test_version(cli: CLI) -> None:
    shown = cli("--version")
    assert (shown.returncode, shown.stdout.strip()) == (0, f"monitor {__version__}")


def test_a_closed_pipe_ends_quietly(cli: CLI, cli_process: CLI, tmp_path: Path) -> None:
    # `monitor sources list | head -1`: the reader is gone before the command writes.
    _folder(cli, tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "sources", "list"],
                            env={**cli_process.env, "MONITOR_SEEDS_DIR": str(tmp_path)},
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_help_loads_only_the_parser(cli_process: CLI) -> None:
    # `monitor --help` must answer at once: no store, rules, reader or HTTP stack imported.
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "monitor", "--help"],
                          env=cli_process.env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0 and "usage: monitor" in done.stdout
    loaded = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    heavy = {"sqlalchemy", "sqlmodel", "httpx", "monitor.store", "monitor.rules",
             "monitor.reader", "monitor.config", "yaml", "lxml"}
    assert not loaded & heavy, sorted(loaded & heavy)
