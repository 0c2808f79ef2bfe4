"""``monitor backtest`` and ``monitor sources import`` as users run them, with their progress."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ConfigError, RuleError
from monitor.rules.backtest import parse_since
from monitor.rules.candidate import candidate_matcher
from tests.conftest import CLI, RULES, json_lines

ROOT = Path(__file__).resolve().parents[2]


def test_backtest_a_rule_file_before_enabling_it(cli: CLI, tmp_path: Path) -> None:
    assert cli("run", "--once").returncode == 0
    rule = tmp_path / "talks.yaml"
    rule.write_text("id: talks\nname: Talks\nenabled: false\nquery: negotiat* OR negosiasi\n",
                    "utf-8")
    out = cli("backtest", str(rule), "--since", "2d")
    assert out.returncode == 0, out.stderr
    today = datetime.now(UTC).date().isoformat()
    first, day = out.stdout.splitlines()[:2]
    assert "articles since" in first and "talks:" in first
    assert day.split()[0] == today
    assert "[talks]" in out.stdout and "why: body" in out.stdout and "«" in out.stdout

    data = json.loads(cli("backtest", str(rule), "--json").stdout)
    assert data["per_rule"]["talks"] == data["alerts"] >= 1
    assert data["per_day"][0]["day"] == today
    assert data["examples"][0]["evidence"][0]["snippet"]


def test_backtest_by_rule_id_matches_what_the_daemon_alerted(cli: CLI) -> None:
    assert cli("run", "--once").returncode == 0
    alerted = [json.loads(x) for x in cli("alerts", "list", "--json").stdout.splitlines()]
    data = json.loads(cli("backtest", "embassies", "--json").stdout)
    assert data["per_rule"] == {"embassies": sum(a["rule"] == "embassies" for a in alerted)}
    nothing = json.loads(cli("backtest", "embassies", "--since", "2999-01-01", "--json").stdout)
    assert nothing["articles_scanned"] == 0 and nothing["alerts"] == 0


def test_backtest_refuses_what_it_cannot_load(cli: CLI, tmp_path: Path) -> None:
    out = cli("backtest", "no-such-rule")
    assert out.returncode == 2 and "neither a rule file nor the id" in out.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nquery: x\ncolour: red\n", "utf-8")
    out = cli("backtest", str(bad))
    assert out.returncode == 2 and "bad.yaml:3:1: unknown field 'colour'" in out.stderr
    out = cli("backtest", "embassies", "--since", "lately")
    assert out.returncode == 2 and "--since" in out.stderr


def test_a_candidate_is_loaded_beside_the_rule_directorys_concepts(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "concepts").mkdir(exist_ok=True)
    (rules / "concepts" / "marker.yaml").write_text("# a concept file\n", "utf-8")
    matcher = candidate_matcher(rules, "id: c\nquery: truce\n")
    assert [r.id for r in matcher.rules] == ["c"]
    assert (rules / "concepts" / "marker.yaml").exists()  # the original is untouched
    with pytest.raises(RuleError) as caught:
        candidate_matcher(rules, "id: c\n", "mine.yaml")
    assert caught.value.problems[0].file == "mine.yaml"


def test_a_candidates_problems_are_all_at_the_line_and_column_written(tmp_path: Path) -> None:
    """A rule still switched off was re-dumped before loading, so its problems pointed into a
    copy nobody sees (comments gone, block scalars folded onto the key's line)."""
    text = ("# tuning, still off\n\nid: c\nenabled: false\nseverity: bogus\n"
            "query: >-\n  (sanction OR\n  embargo\n")
    with pytest.raises(RuleError) as caught:
        candidate_matcher(RULES, text, "c.yaml")
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (5, 11, "severity must be one of info, low, medium, high, critical"),
        (7, 3, "unbalanced parenthesis: '(' is never closed")]
    bare = "id: c\nquery: |\n  truce\n  AND\n"
    with pytest.raises(RuleError) as caught:
        candidate_matcher(RULES, bare)
    assert [(p.line, p.column) for p in caught.value.problems] == [(4, 6)]
    switched_off = candidate_matcher(RULES, "id: c\nenabled: no\nquery: truce\n")
    assert [(r.id, r.enabled) for r in switched_off.rules] == [("c", True)]


def test_since_spans() -> None:
    now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    assert parse_since("30d", now) == datetime(2025, 2, 8, 12, tzinfo=UTC)
    assert parse_since("12h", now) == datetime(2025, 3, 10, 0, tzinfo=UTC)
    assert parse_since("2w", now) == datetime(2025, 2, 24, 12, tzinfo=UTC)
    assert parse_since("2025-03-01", now) == datetime(2025, 3, 1, tzinfo=UTC)
    assert parse_since("110000w", now) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_since("99999999999d", now) == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(ConfigError):
        parse_since("soon", now)


def test_run_once_reports_progress_as_log_lines_off_a_terminal(cli: CLI) -> None:
    out = cli("run", "--once")
    events = [json.loads(x) for x in out.stderr.splitlines() if x.startswith("{")]
    steps = [e for e in events if e["event"] == "progress"]
    assert steps and steps[-1]["done"] == steps[-1]["total"] == len(steps)
    assert steps[0]["task"] == "polling" and steps[0]["status"] == "ok"


def test_sources_import_from_yaml_and_opml(cli: CLI, tmp_path: Path) -> None:
    listing = tmp_path / "sources.yaml"
    listing.write_text("- url: https://example.org/a.rss\n  interval: 120\n  labels: [eu]\n"
                       "- url: https://example.org/b.rss\n  enabled: false\n", "utf-8")
    out = cli("sources", "import", str(listing))
    assert out.returncode == 0, out.stderr
    assert "2 sources, 2 added" in out.stdout
    steps = [json.loads(x) for x in out.stderr.splitlines() if x.startswith("{")]
    assert [s["done"] for s in steps if s["event"] == "progress"] == [1, 2]
    opml = tmp_path / "feeds.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="World"><outline type="rss" text="A" '
                    'xmlUrl="https://example.org/a.rss"/><outline type="rss" text="C" '
                    'xmlUrl="https://example.org/c.rss"/></outline></body></opml>', "utf-8")
    out = cli("sources", "import", str(opml))
    assert "1 sources added, 1 already present, 0 skipped" in out.stdout
    listed = {s["url"]: s for s in json_lines(cli("sources", "list", "--json").stdout)}
    assert listed["https://example.org/a.rss"]["interval"] == 120
    assert listed["https://example.org/a.rss"]["labels"] == ["eu"]
    assert listed["https://example.org/b.rss"]["enabled"] is False
    assert listed["https://example.org/c.rss"]["labels"] == ["world"]
    bad = tmp_path / "x.csv"
    bad.write_text("a,b", "utf-8")
    out = cli("sources", "import", str(bad))
    assert out.returncode == 2 and "not an OPML document" in out.stderr
