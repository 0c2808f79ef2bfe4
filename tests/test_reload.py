"""Hot reload: rule changes and declared sources apply without a restart; bad ones are refused."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from monitor.app import App
from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.models import Article
from monitor.subscriptions.declared import declared_sources
from tests.apiclient import with_api
from tests.conftest import RULES

ROOT = Path(__file__).resolve().parents[1]
# No shipped rule fires on it (no state is named); a new rule on "truce" does.
PEACE = Article(title="Peace", body="The two sides signed a truce on Monday.", language="en")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    return rules


def test_a_valid_rule_change_applies_and_an_invalid_one_is_refused_with_reasons(
        settings: Settings, rules: Path) -> None:
    settings = replace(settings, rules_dir=rules)

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        assert app.reloader is not None
        first = app.matcher.version
        assert not app.reloader.check_rules()  # nothing changed
        assert not app.matcher.match(PEACE)
        (rules / "truce.yaml").write_text("id: truce\nname: Truce\nquery: truce\n", "utf-8")
        assert app.reloader.check_rules()
        assert app.matcher.version != first
        assert [m.rule_id for m in app.matcher.match(PEACE)] == ["truce"]
        assert app.pipeline.matcher() is app.matcher  # the next poll uses the new set
        metrics = (await client.get("/metrics")).text
        assert f'monitor_rules_info{{version="{app.matcher.version}"}} 1.0' in metrics
        assert f'version="{first}"' not in metrics
        good = app.matcher.version

        (rules / "truce.yaml").write_text("id: truce\nquery: truce\nseverity: [\n", "utf-8")
        assert not app.reloader.check_rules()
        assert app.matcher.version == good  # the last good set stays in force
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        body = ready.json()
        assert body["reload"]["rules_version"] == good
        assert any("truce.yaml:4" in p or "truce.yaml:3" in p
                   for p in body["reload"]["rules_rejected"])
        assert "rejected" in body["warnings"][0]
        assert "monitor_rule_reloads_total{outcome=\"rejected\"} 1.0" in (
            await client.get("/metrics")).text

        (rules / "truce.yaml").unlink()
        assert app.reloader.check_rules()
        assert (await client.get("/readyz")).json()["reload"]["rules_rejected"] is None

    with_api(settings, scenario, token=None)


def test_declared_sources_sync_on_start_and_on_change(settings: Settings, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sources = tmp_path / "sources.yaml"
    sources.write_text("- url: https://example.org/a.rss\n  interval: 600\n  labels: [world]\n"
                       "- url: inbox\n  kind: folder\n  enabled: false\n", "utf-8")
    settings = replace(settings, sources_file=sources)

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        assert app.reloader is not None
        listed = {s["url"]: s for s in (await client.get("/api/v1/sources")).json()["items"]}
        feed = listed["https://example.org/a.rss"]
        assert (feed["interval"], feed["labels"], feed["enabled"]) == (600, ["world"], True)
        assert listed[str(inbox.resolve())]["enabled"] is False
        assert not app.reloader.check_sources()  # unchanged

        sources.write_text("- url: https://example.org/a.rss\n  interval: 60\n"
                           "- url: https://example.org/b.rss\n", "utf-8")
        assert app.reloader.check_sources()
        listed = {s["url"]: s for s in (await client.get("/api/v1/sources")).json()["items"]}
        assert listed["https://example.org/a.rss"]["interval"] == 60
        assert listed["https://example.org/a.rss"]["labels"] == []
        assert listed["https://example.org/b.rss"]["interval"] == settings.default_interval_seconds
        assert listed[str(inbox.resolve())]["enabled"] is False
        seeds = [s for s in listed.values() if s["kind"] == "folder" and "seeds" in s["url"]]
        assert seeds and seeds[0]["enabled"]  # added by hand: never touched by a sync

        sources.write_text("- url: https://example.org/a.rss\n  interval: soon\n", "utf-8")
        assert not app.reloader.check_sources()
        assert "interval" in (await client.get("/readyz")).json()["reload"]["sources_rejected"]
        listed = {s["url"]: s for s in (await client.get("/api/v1/sources")).json()["items"]}
        assert listed["https://example.org/b.rss"]["enabled"] is True  # nothing applied

    with_api(settings, scenario, token=None)


def test_sources_in_monitor_toml_and_their_errors(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[[sources]]\nurl = "https://example.org/x.rss"\nlabels = ["a"]\n',
                      "utf-8")
    found = declared_sources(Settings(config=config))
    assert found is not None and [(d.url, d.labels) for d in found] == [
        ("https://example.org/x.rss", ("a",))]
    assert declared_sources(Settings()) is None
    config.write_text('[sources.world]\nurl = "https://example.org/w.rss"\ninterval = 60\n',
                      "utf-8")
    found = declared_sources(Settings(config=config))
    assert found is not None and [(d.url, d.interval) for d in found] == [
        ("https://example.org/w.rss", 60)]
    config.write_text('[[sources]]\nurl = "gopher://x"\nkind = "gopher"\n', "utf-8")
    with pytest.raises(ConfigError, match="source 1: unknown kind 'gopher'"):
        declared_sources(Settings(config=config))
    config.write_text('[[sources]]\nurl = "https://x/"\n[[sources]]\nurl = "https://x/"\n',
                      "utf-8")
    with pytest.raises(ConfigError, match="declared twice"):
        declared_sources(Settings(config=config))


def test_a_broken_sources_file_stops_the_start(cli: object, tmp_path: Path) -> None:
    from tests.conftest import CLI

    assert isinstance(cli, CLI)
    bad = tmp_path / "sources.yaml"
    bad.write_text("- url: https://example.org/a.rss\n  colour: red\n", "utf-8")
    out = cli("run", "--once", MONITOR_SOURCES_FILE=str(bad))
    assert out.returncode == 2
    assert "source 1: unknown field(s) colour" in out.stderr
