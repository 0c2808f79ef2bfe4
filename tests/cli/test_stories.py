"""Stories end to end: three feeds on loopback tell one story; ``monitor run`` raises the
rule's alert, then its breaking alert to the webhook; ``monitor stories`` lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI, json_lines

pytestmark = pytest.mark.backends

RULE = """\
id: quake
name: Earthquakes
severity: high
query: earthquake OR tsunami
breaking: {min_sources: 3, window_minutes: 120, factor: 2}
"""
TITLE = "Strong earthquake strikes off the coast of Hokkaido"
BODY = ("A magnitude 6.1 earthquake struck off the coast of Hokkaido on Tuesday morning, the "
        "Japan Meteorological Agency said. No tsunami warning was issued and there were no "
        "immediate reports of damage, but rail services in the region were briefly halted.")
OTHER = ("Heavy rain flooded streets in the port city on Monday. A local earthquake drill "
         "planned for the week was postponed by the city council until further notice.")


def _feed(name: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f"<item><title>{t}</title><link>http://127.0.0.1/{name}/{g}</link>"
                      f"<guid>{name}-{g}</guid><description>{b}</description></item>"
                      for g, t, b in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name.upper()} News'
            f"</title><language>en</language>{entries}</channel></rss>").encode()


def _rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "quake.yaml").write_text(RULE, encoding="utf-8")
    return rules


def test_a_story_told_by_three_sources_breaks_once_and_is_listed(
        cli: CLI, server: LoopbackServer, tmp_path: Path) -> None:
    rss = {"content-type": "application/rss+xml"}
    for name in ("a", "b", "c"):
        server.route(f"/{name}", Reply(200, _feed(name, [("1", TITLE, BODY)]), rss))
    server.route("/d", Reply(200, _feed("d", [("2", "City postpones drill", OTHER)]), rss))
    server.route("/hook", Reply(204))
    cli.env.update(MONITOR_RULES_DIR=str(_rules(tmp_path)), MONITOR_SEEDS_DIR="/nonexistent",
                   MONITOR_WEBHOOK_URL=server.url("/hook"))
    # One source per run: each run's polls find the story the earlier ones stored.
    for name in ("d", "a", "b", "c"):
        assert cli("sources", "add", server.url(f"/{name}"), "--kind", "feed").returncode == 0
        run = cli("run", "--once")
        assert run.returncode == 0, run.stderr
        assert ("BREAKING [quake]" in run.stdout) == (name == "c"), (name, run.stdout)
    bodies = [json.loads(r.body) for r in server.received("/hook")]
    assert [b["type"] for b in bodies] == ["alert", "alert", "breaking"]
    story = bodies[-1]["data"]["story"]
    assert [s["name"] for s in story["sources"]] == ["A News", "B News", "C News"]
    assert story["languages"] == ["en"] and story["sources_in_window"] == 3
    assert bodies[-1]["data"]["article"]["title"] == TITLE
    again = cli("run", "--once")  # nothing new: no second breaking alert
    assert "BREAKING" not in again.stdout and len(server.received("/hook")) == 3

    listed = json_lines(cli("stories", "list", "--json").stdout)
    assert [(s["title"], len(s["sources"])) for s in listed] == [(TITLE, 3),
                                                                 ("City postpones drill", 1)]
    top = listed[0]
    assert top["articles"] == 3 and top["languages"] == ["en"] and top["rules"] == ["quake"]
    assert [b["rule"] for b in top["breaking"]] == ["quake"]
    assert top["first_seen"] <= top["last_seen"]
    assert [m["source"] for m in top["members"]] == ["A News", "B News", "C News"]
    filtered = json_lines(cli("stories", "list", "--json", "--min-sources", "2").stdout)
    assert [s["id"] for s in filtered] == [top["id"]]
    assert json_lines(cli("stories", "list", "--json", "--rule", "nope").stdout) == []
    assert json_lines(cli("stories", "list", "--json", "--language", "fr").stdout) == []
    page = json_lines(cli("stories", "list", "--json", "--limit", "1").stdout)
    rest = json_lines(cli("stories", "list", "--json", "--before", str(page[0]["id"])).stdout)
    assert [s["id"] for s in page + rest] == [s["id"] for s in listed]
    shown = cli("stories", "show", str(top["id"]))
    assert "breaking for quake" in shown.stdout and "C News" in shown.stdout
    assert cli("stories", "show", "999999").returncode == 1
    alerts = json_lines(cli("alerts", "list", "--json").stdout)
    assert sorted(a["kind"] for a in alerts) == ["alert", "alert", "breaking"]
