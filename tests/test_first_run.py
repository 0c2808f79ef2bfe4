"""A new user's first run: the samples stay on the console, a new feed's backlog is stored but
not alerted, alerts made before a target existed can be sent, a refused webhook stops the start.

The CLI runs in-process (``main(argv)``) against a real SQLite file and a loopback receiver.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.app import ensure_default_source, open_app
from monitor.cli.main import main
from monitor.config import Settings
from monitor.reader.poller import PollReport
from monitor.store import Store
from monitor.store.sources import SourceSpec
from monitor.testing import LoopbackServer, Reply
from tests.conftest import LOOPBACK, ROOT, RULES

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
            capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """``monitor ARGS...`` in-process with a clean ``MONITOR_*`` environment: (code, out, err).
    Demo mode is off, as for a user."""
    for key in list(os.environ):
        if key.startswith("MONITOR_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    base = {"MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}",
            "MONITOR_RULES_DIR": str(RULES), "MONITOR_SEEDS_DIR": str(ROOT / "seeds"),
            "MONITOR_ALLOW_PRIVATE_NETWORKS": LOOPBACK}

    def run(*args: str, **env: str) -> tuple[int, str, str]:
        for key, value in {**base, **env}.items():
            monkeypatch.setenv(key, value)
        code = main(list(args))
        for key in env:
            monkeypatch.delenv(key)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _alerts(tmp_path: Path) -> list[int]:
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}")
    try:
        return sorted(a.id or 0 for a in store.alerts(limit=1000))
    finally:
        store.close()


# -- samples --------------------------------------------------------------------------------

def test_sample_alerts_are_printed_and_stored_but_reach_no_webhook(
        run_cli, server: LoopbackServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.route("/hook", Reply(204))
    code, out, err = run_cli("run", "--once", MONITOR_WEBHOOK_URL=server.url("/hook"))
    assert code == 0, err
    alerts = _alerts(tmp_path)
    assert len(alerts) >= 3 and out.count("ALERT [") == len(alerts)  # the quick start's output
    assert server.received("/hook") == []
    assert "delivered 0, pending 0" in err
    store = Store.open(f"sqlite:///{tmp_path / 'monitor.db'}")
    try:
        assert store.deliveries() == []
        assert [s.source.sample for s in store.list_sources()] == [True]
    finally:
        store.close()


def test_demo_mode_delivers_the_sample_alerts(run_cli, server: LoopbackServer,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    server.route("/hook", Reply(204))
    code, _out, err = run_cli("run", "--once", "--demo", MONITOR_WEBHOOK_URL=server.url("/hook"))
    assert code == 0, err
    assert len(server.received("/hook")) == len(_alerts(tmp_path)) > 0


def test_adding_the_seeds_folder_as_ones_own_source_makes_it_deliver(
        settings: Settings) -> None:
    store = Store.open(settings.database_url)
    try:
        ensure_default_source(store, settings, lambda: T0)
        [seeded] = store.list_sources()
        assert seeded.source.sample
        spec = SourceSpec(seeded.source.url, "folder", 900)
        row, created = store.create_source(spec, T0)
        assert not created and row.id == seeded.source.id
        assert store.get_source(row.id or 0).sample is False  # type: ignore[union-attr]
    finally:
        store.close()


# -- a new feed's backlog -------------------------------------------------------------------

def _item(guid: str, when: datetime | None) -> str:
    date = f"<pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate>" if when else ""
    return (f"<item><title>Embassy closed ({guid})</title><guid>{guid}</guid>{date}"
            f"<description>The embassy in Kabul closed its consular section after the attack "
            f"({guid}).</description></item>")


def _feed(*items: str) -> bytes:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            + "".join(items) + "</channel></rss>").encode()


def test_a_new_feeds_backlog_is_stored_but_raises_no_alert(
        settings: Settings, server: LoopbackServer) -> None:
    settings = replace(settings, seeds_dir=settings.seeds_dir / "missing", backlog_hours=24)
    first = [_item("old-2018", datetime(2018, 5, 1, 12, 0)),
             _item("grace", T0 - timedelta(hours=12)),  # within the grace window: alerts
             _item("after", T0 + timedelta(minutes=30)),
             _item("undated-1", None)]  # undated on the first poll: backlog
    server.route("/feed", Reply(200, _feed(*first), {"content-type": "application/rss+xml"}))
    now = [T0]

    async def go() -> tuple[list[PollReport], list[PollReport], int]:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, settings, clock=lambda: now[0])
            app.store.add_source("feed", server.url("/feed"), interval=600, now=T0)
            now[0] = T0 + timedelta(hours=1)
            one = await app.pipeline.poll_due(everything=True)
            server.route("/feed", Reply(200, _feed(*first, _item("undated-2", None)),
                                        {"content-type": "application/rss+xml"}))
            now[0] = T0 + timedelta(hours=2)
            two = await app.pipeline.poll_due(everything=True)
            stored = sum(s.articles for s in app.store.list_sources())
            return one, two, stored

    one, two, stored = asyncio.run(go())
    assert one[0].new_articles == 4
    assert sorted(a.article_title for a in one[0].alerts) == [
        "Embassy closed (after)", "Embassy closed (grace)"]
    # After the first poll an undated item not seen before is new.
    assert [a.article_title for a in two[0].alerts] == ["Embassy closed (undated-2)"]
    assert stored == 5  # the backlog is stored (backtests read it), only not alerted


# -- sending alerts made before any target existed ------------------------------------------

def test_alerts_made_without_a_target_can_be_sent_later(
        run_cli, server: LoopbackServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.route("/hook", Reply(204))
    hook = {"MONITOR_WEBHOOK_URL": server.url("/hook")}
    assert run_cli("run", "--once")[0] == 0  # no target yet
    first, second, *_ = _alerts(tmp_path)
    code, _out, err = run_cli("alerts", "send", str(first))
    assert code == 2 and "no target is configured" in err
    code, out, err = run_cli("alerts", "send", str(first), f"a{second}", "999", **hook)
    assert code == 1 and "not found: alert 999" in err
    assert f"alert {first}: queued to default" in out
    code, out, _err = run_cli("alerts", "send", str(first), **hook)
    assert code == 0 and "every target has it already" in out
    code, out, err = run_cli("alerts", "send", str(first), "--target", "ops", **hook)
    assert code == 2 and "no target 'ops'" in err
    code, _out, err = run_cli("run", "--once", **hook)
    assert code == 0 and "delivered 2" in err
    assert len(server.received("/hook")) == 2
    code, out, _err = run_cli("alerts", "show", f"a{first}")
    assert code == 0 and f"id: {first}" in out and "status: delivered" in out


def test_replay_and_show_take_alert_ids_and_name_the_ids_they_cannot_find(
        run_cli, server: LoopbackServer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.route("/hook", Reply(204))
    hook = {"MONITOR_WEBHOOK_URL": server.url("/hook")}
    assert run_cli("run", "--once", "--demo", **hook)[0] == 0
    sent = len(server.received("/hook"))
    first = _alerts(tmp_path)[0]
    code, out, err = run_cli("alerts", "replay", "99")
    assert code == 1 and "not found: delivery 99" in err and "0 deliveries queued" in out
    code, out, err = run_cli("alerts", "replay", f"a{first}", "a999", "d98", **hook)
    assert code == 1 and "not found: alert 999, delivery 98" in err
    assert out.startswith("1 deliveries queued")
    assert run_cli("run", "--once", **hook)[0] == 0
    again = server.received("/hook")[sent:]
    assert len(again) == 1  # the same message: the receiver can drop it by its webhook-id
    assert again[0].headers["webhook-id"] in {r.headers["webhook-id"]
                                              for r in server.received("/hook")[:sent]}
    code, out, _err = run_cli("alerts", "show", f"a{first}", "--json")
    assert code == 0 and '"deliveries": [{' in out and '"rule": ' in out
    assert run_cli("alerts", "show", "d1")[0] == 0
    code, _out, err = run_cli("alerts", "show", "a999")
    assert code == 1 and "no alert 999" in err
    with pytest.raises(SystemExit):  # neither an alert nor a delivery id: argparse says so
        run_cli("alerts", "show", "x1")


# -- a webhook the URL policy refuses -------------------------------------------------------

def test_a_refused_webhook_url_stops_the_start_named_with_its_setting(
        run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run_cli("run", "--once", MONITOR_WEBHOOK_URL="http://10.1.2.3/hook")
    assert code == 2
    assert "MONITOR_WEBHOOK_URL" in err and "10.1.2.3" in err and "non-public" in err
    (tmp_path / "monitor.toml").write_text('[targets.ops]\nurl = "http://169.254.169.254/x"\n')
    code, _out, err = run_cli("run", "--once")
    assert code == 2 and "targets.ops.url" in err
    assert _alerts(tmp_path) == []  # nothing polled: the start stopped first
