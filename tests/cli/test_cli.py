"""The command line as users run it: run --once, sources, match, rules check, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CLI, ROOT, json_lines

# Tests that touch the database run on SQLite and PostgreSQL (marked one by one: the others,
# match and rules check, have nothing to do with the backend).

SEED = ROOT / "seeds" / "000_6dba894c3f267814.txt"


@pytest.mark.slow
@pytest.mark.backends
def test_run_once_prints_three_alerts_for_the_seed_article_then_nothing(cli_process: CLI) -> None:
    cli = cli_process  # end to end: `python -m monitor` in a real subprocess
    first = cli("run", "--once")
    assert first.returncode == 0, first.stderr
    seed_alerts = [line for line in first.stdout.splitlines()
                   if line.startswith("ALERT") and "Marco Rubio" in line]
    assert sorted(line.split("]")[0] for line in seed_alerts) == [
        "ALERT [embassies", "ALERT [negotiations", "ALERT [sanctions"]
    assert "why:" in first.stdout
    assert "MEMBACA" not in first.stdout and "Buka kunci" not in first.stdout
    second = cli("run", "--once")
    assert second.returncode == 0, second.stderr
    assert "ALERT" not in second.stdout


@pytest.mark.backends
def test_sources_add_and_list_json(cli: CLI, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text("Embassy closed\n\nThe embassy was closed on Monday.")
    added = cli("sources", "add", str(folder), "--interval", "60")
    assert added.returncode == 0, added.stderr
    feed = cli("sources", "add", "http://127.0.0.1:9/feed.xml")
    assert feed.returncode == 0, feed.stderr
    assert cli("run", "--once").returncode == 0
    listed = json_lines(cli("sources", "list", "--json").stdout)
    by_url = {s["url"]: s for s in listed}
    inbox = by_url[str(folder)]
    assert (inbox["kind"], inbox["interval"], inbox["articles"]) == ("folder", 60, 1)
    assert inbox["last_status"] == "ok" and inbox["last_poll"]
    dead = by_url["http://127.0.0.1:9/feed.xml"]
    assert dead["kind"] == "feed" and dead["last_status"] == "error"
    assert "127.0.0.1:9" in dead["last_error"] and dead["articles"] == 0
    text = cli("sources", "list").stdout
    assert "folder" in text and "error" in text


@pytest.mark.backends
def test_sources_add_rejects_what_is_neither_url_nor_folder(cli: CLI) -> None:
    result = cli("sources", "add", "no/such/dir")
    assert result.returncode == 2
    assert "neither an http(s) URL nor an existing directory" in result.stderr


@pytest.mark.backends
def test_sources_add_refuses_a_private_address_at_once(cli: CLI) -> None:
    result = cli("sources", "add", "http://10.1.2.3/feed.xml")
    assert result.returncode == 2
    assert result.stderr.startswith("monitor: 'http://10.1.2.3/feed.xml': 10.1.2.3 resolves to")
    assert json_lines(cli("sources", "list", "--json").stdout) == []


def test_match_json_on_files_and_stdin(cli: CLI) -> None:
    out = cli("match", "--json", str(SEED))
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout)
    assert line["id"] == str(SEED) and line["language"] == "id"
    rules = {m["rule"]: m for m in line["matches"]}
    assert set(rules) == {"sanctions", "embassies", "negotiations"}
    for m in rules.values():
        assert m["score"] > 0 and m["evidence"]
        for ev in m["evidence"]:
            assert {"term", "field", "start", "end", "snippet"} <= set(ev)
    stdin = "\n".join(json.dumps(x) for x in [
        {"id": "a", "title": "Embassy reopens in Damascus", "body": "The embassy reopened."},
        {"id": "b", "title": "Weather", "body": "Sunny and warm all week.", "language": "en"},
    ])
    out = cli("match", "--json", "-", input=stdin)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert [m["rule"] for m in lines[0]["matches"]] == ["embassies"]
    assert lines[1]["matches"] == [] and lines[1]["language"] == "en"


@pytest.mark.empty_database  # it checks that no database file is made
def test_match_does_not_touch_the_database(cli: CLI, tmp_path: Path) -> None:
    assert cli("match", str(SEED)).returncode == 0
    assert not (tmp_path / "monitor.db").exists()


def test_match_reports_bad_stdin_line(cli: CLI) -> None:
    out = cli("match", "-", input='{"id": 1, "title": "x", "body": "y"}\nnot json\n')
    assert out.returncode == 1
    assert "stdin line 2" in out.stderr


def test_broken_rule_file_is_reported_with_file_and_line(cli: CLI, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ok.yaml").write_text("id: ok\nquery: embassy\n")
    (rules / "bad.yaml").write_text("id: bad\nquery: embassy\nsevrity: high\n")
    check = cli("rules", "check", str(rules))
    assert check.returncode == 1
    assert f"{rules / 'bad.yaml'}:3:1:" in check.stdout and "sevrity" in check.stdout
    run = cli("run", "--once", MONITOR_RULES_DIR=str(rules))
    assert run.returncode == 2
    assert "bad.yaml:3:1" in run.stderr


def test_bad_setting_is_named(cli: CLI) -> None:
    out = cli("run", "--once", MONITOR_POLL_TICK_SECONDS="soon")
    assert out.returncode == 2
    assert "MONITOR_POLL_TICK_SECONDS" in out.stderr and "'soon'" in out.stderr
    out = cli("run", "--once", MONITOR_WEBHOOK_SECRET="not-a-secret!")
    assert out.returncode == 2 and "MONITOR_WEBHOOK_SECRET" in out.stderr


@pytest.mark.backends
def test_unreadable_file_is_reported_and_the_rest_ingested(cli: CLI, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text("Sanctions widened\n\nThe EU widened sanctions on Iran.")
    (folder / "latin1.txt").write_bytes("Ambassade fermée à Paris".encode("latin-1"))
    assert cli("sources", "add", str(folder)).returncode == 0
    out = cli("run", "--once", MONITOR_SEEDS_DIR=str(tmp_path / "none"))
    assert out.returncode == 0, out.stderr
    assert "latin1.txt: not UTF-8" in out.stderr
    assert "ALERT [sanctions] Sanctions widened" in out.stdout
