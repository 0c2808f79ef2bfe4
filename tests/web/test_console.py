"""In-process tests of every console route, with the login and CSRF checks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from monitor.app import App
from monitor.store import triage
from tests.conftest import RULES
from tests.web.consolehelp import TOKEN, log_in, settings_for, with_console

PAGES = ["/", "/rules", "/rules/edit?id=sanctions", "/rules/edit", "/sources", "/stories",
         "/stories?all=1", "/deliveries"]


def test_every_page_needs_a_login_and_renders_after_it(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        r = await c.get("/rules")
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/rules"
        assert (await c.post("/login", data={"token": "wrong"})).status_code == 401
        r = await c.post("/login", data={"token": TOKEN, "next": "https://evil.example/"})
        assert r.headers["location"] == "/"  # never back to another site
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        for path in PAGES:
            r = await c.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            assert "<script src=\"/static/console.js\"" in r.text
        assert (await c.get("/static/console.css")).status_code == 200
        # The API beside it still wants its bearer token, not the cookie.
        assert (await c.get("/api/v1/alerts")).status_code == 401

    with_console(settings_for(tmp_path), scenario)


def test_inbox_shows_alerts_with_marked_evidence_and_filters(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        from monitor.store.tables import AlertCopyRow, AlertRow, ArticleRow
        with app.store.session() as s:
            alert = s.exec(select(AlertRow)).first()
            other = s.exec(select(ArticleRow).where(ArticleRow.id != alert.article_id)).first()
            s.add(AlertCopyRow(alert_id=alert.id, article_id=other.id, source_id=other.source_id,
                               source="Copy Wire", url="https://copy.example/a",
                               title=other.title, created_at=app.clock()))
        html = (await c.get("/")).text
        assert html.count('class="alert ') >= 3 and "<mark>" in html
        assert "Also reported by: <a href=\"https://copy.example/a\"" in html
        only = (await c.get("/?rule=embassies")).text
        rules = set(re.findall(r'<span class="badge">([^<]+)</span>', only))
        assert len(rules) == 1
        assert "No alert matches these filters" in (await c.get("/?language=xx")).text
        assert "No alert matches" in (await c.get("/?state=relevant")).text

    with_console(settings_for(tmp_path), scenario)


def test_triage_is_stored_counted_per_rule_and_in_the_api(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        ids = [int(i) for i in re.findall(r'id="alert-(\d+)"', (await c.get("/")).text)]
        # Without the CSRF token the verdict is refused.
        r = await c.post(f"/alerts/{ids[0]}/triage", data={"state": "relevant"})
        assert r.status_code == 403
        r = await c.post(f"/alerts/{ids[0]}/triage", data={"state": "relevant", "csrf": csrf,
                                                            "next": "/"})
        assert r.status_code == 303
        r = await c.post(f"/alerts/{ids[1]}/triage", data={"state": "false_alarm"},
                         headers={"x-csrf-token": csrf, "accept": "application/json"})
        assert r.json()["triage"] == "false_alarm"
        states = triage.triage_of(app.store, ids[:2])
        assert states == {ids[0]: "relevant", ids[1]: "false_alarm"}
        assert f'id="alert-{ids[0]}"' in (await c.get("/?state=relevant")).text
        assert f'id="alert-{ids[0]}"' not in (await c.get("/?state=untriaged")).text
        assert "%" in (await c.get("/rules")).text
        api = {"authorization": f"Bearer {TOKEN}"}
        got = (await c.get(f"/api/v1/alerts/{ids[0]}", headers=api)).json()
        assert got["triage"] == "relevant"
        r = await c.post(f"/api/v1/alerts/{ids[0]}/triage", json={"state": None}, headers=api)
        assert r.status_code == 200
        assert (await c.get(f"/api/v1/alerts/{ids[0]}", headers=api)).json()["triage"] is None
        r = await c.post("/api/v1/alerts/999999/triage", json={"state": "muted"}, headers=api)
        assert r.status_code == 404

    with_console(settings_for(tmp_path), scenario)


@pytest.mark.slow
def test_workbench_checks_tests_backtests_and_saves(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        r = await c.post("/rules/check", data={"csrf": csrf, "yaml": "id: x\nquery: (a AND\n"})
        problem = r.json()["problems"][0]
        assert (problem["line"], problem["column"]) == (2, 13)
        several = ("# off for now\nid: x\nenabled: false\nseverity: loud\nquery: |\n"
                   "  embargo AND\n  (asset freeze\n")
        r = await c.post("/rules/check", data={"csrf": csrf, "yaml": several})
        assert [(p["line"], p["column"]) for p in r.json()["problems"]] == [(4, 11), (7, 3)]
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": several, "action": "check"})
        assert r.status_code == 422 and "2 problems" in r.text and "line 7, column 3" in r.text
        assert (await c.post("/rules/check", data={"yaml": "id: x"})).status_code == 403
        good = "id: probe\nname: Probe\nquery: embargo\n"
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": good, "action": "test",
                                              "sample": "The EU imposed an embargo on oil."})
        assert "Matches" in r.text and "<mark>embargo</mark>" in r.text
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": good, "action": "backtest",
                                              "since": "30d"})
        assert r.status_code == 200 and 'id="backtest"' in r.text
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": good, "action": "save"})
        assert r.status_code == 200 and "saved to probe.yaml" in r.text
        assert (rules / "probe.yaml").read_text() == good
        assert "probe" in {r.id for r in app.matcher.rules}  # hot reloaded at once
        # A duplicate id across files is refused and the directory left as it was.
        dup = "id: sanctions\nname: Again\nquery: embargo\n"
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": dup, "action": "save",
                                              "rule_id": ""})
        assert r.status_code == 409 and "already exists" in r.text
        assert "id: sanctions\nname: International sanctions" in (rules / "sanctions.yaml"
                                                                  ).read_text()
        # A rule saved under its own file but with another rule's id: refused by the reload.
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": dup, "action": "save",
                                              "rule_id": "probe"})
        assert r.status_code == 422 and "duplicate rule id" in r.text
        assert (rules / "probe.yaml").read_text() == good  # put back

    with_console(settings_for(tmp_path, rules_dir=rules), scenario)


def test_sources_actions_and_opml_upload(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        html = (await c.get("/sources")).text
        sid = int(re.findall(r'id="source-(\d+)"', html)[0])
        assert (await c.post(f"/sources/{sid}/pause")).status_code == 403
        r = await c.post(f"/sources/{sid}/pause", data={"csrf": csrf}, follow_redirects=True)
        assert "paused Sample articles" in r.text and app.store.get_source(sid).enabled is False  # type: ignore[union-attr]
        await c.post(f"/sources/{sid}/resume", data={"csrf": csrf})
        assert app.store.get_source(sid).enabled is True  # type: ignore[union-attr]
        r = await c.post(f"/sources/{sid}/poll", data={"csrf": csrf}, follow_redirects=True)
        assert "polled Sample articles: not_modified, 0 new articles" in r.text
        r = await c.post("/sources", data={"csrf": csrf, "url": "http://10.0.0.1/feed"})
        assert r.status_code == 422 and "not added" in r.text
        opml = (b'<?xml version="1.0"?><opml version="2.0"><body>'
                b'<outline type="rss" xmlUrl="https://example.org/feed.xml" text="Ex"/>'
                b'</body></opml>')
        r = await c.post("/sources", data={"csrf": csrf},
                         files={"opml": ("list.opml", opml, "text/xml")})
        assert "imported 1 new" in r.text
        r = await c.post(f"/sources/{sid}/remove", data={"csrf": csrf}, follow_redirects=True)
        assert f"removed source {sid}" in r.text and app.store.get_source(sid) is None

    with_console(settings_for(tmp_path), scenario)


def test_deliveries_replay_a_dead_one(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        from sqlalchemy import update

        from monitor.store.tables import DeliveryRow
        with app.store.session() as s:
            s.execute(update(DeliveryRow).values(status="dead", last_error="HTTP 500"))
        html = (await c.get("/deliveries")).text
        did = int(re.findall(r'id="delivery-(\d+)"', html)[0])
        r = await c.post(f"/deliveries/{did}/replay", data={"csrf": csrf},
                         follow_redirects=True)
        assert "queued again" in r.text and f'id="delivery-{did}"' not in r.text

    with_console(settings_for(tmp_path, webhook_url="http://127.0.0.1:9/hook"), scenario)


def test_empty_database_shows_empty_states(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        assert "No alerts yet" in (await c.get("/")).text
        assert "No stories yet" in (await c.get("/stories")).text
        assert "No delivery target" in (await c.get("/deliveries")).text
        assert "No sources yet" in (await c.get("/sources")).text
        assert "No rules" in (await c.get("/rules")).text
        assert "my_rule" in (await c.get("/rules/edit")).text  # a new rule to start from

    norules = tmp_path / "norules"
    norules.mkdir()
    with_console(settings_for(tmp_path, seeds_dir=tmp_path / "noseeds", rules_dir=norules),
                 scenario, polled=False)


def test_without_a_token_loopback_gets_a_session_and_others_are_refused(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c, None)
        assert csrf and "Log out" not in (await c.get("/")).text
        far = httpx.AsyncClient(transport=httpx.ASGITransport(
            app=c._transport.app, client=("203.0.113.9", 5000)),  # type: ignore[attr-defined]
            base_url="http://localhost")  # a name the API guard lets in
        async with far:
            assert (await far.get("/login")).status_code == 403

    with_console(settings_for(tmp_path, token=None), scenario)


def test_a_tampered_cookie_is_no_session(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        value = c.cookies["monitor_session"]
        c.cookies.clear()
        c.cookies.set("monitor_session", value[:-1] + ("0" if value[-1] != "0" else "1"))
        assert (await c.get("/")).status_code == 303

    with_console(settings_for(tmp_path), scenario)


def test_templates_are_compiled_at_start_not_in_the_first_request() -> None:
    """Compiling the inbox's template in a request took a few hundred ms (bench_console's
    worst run on ``/``)."""
    from monitor.web.render import environment

    env = environment()
    names = env.list_templates(extensions=["html"])
    assert "alerts.html" in names and env.cache is not None
    assert {key[1] for key in env.cache} >= set(names)


def test_the_workbench_evaluates_within_the_evaluators_bounds(tmp_path: Path) -> None:
    """Checking and testing a candidate run in the API's evaluator: its deadline, its
    concurrency bound, its answers naming the setting (in-process, they held a worker thread
    for as long as the rule took)."""

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        evaluator = c._transport.app.state.evaluator  # type: ignore[attr-defined]
        good = "id: probe\nname: Probe\nquery: embargo\n"
        evaluator.timeout = 0.0
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": good, "action": "test",
                                              "sample": "The EU imposed an embargo on oil."})
        assert r.status_code == 422 and "MONITOR_RULE_TEST_TIMEOUT" in r.text
        r = await c.post("/rules/check", data={"csrf": csrf, "yaml": good})
        assert r.status_code == 422
        assert "MONITOR_RULE_TEST_TIMEOUT" in r.json()["error"]["message"]
        evaluator.timeout, evaluator._busy = 10.0, evaluator.workers
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": good, "action": "check"})
        assert r.status_code == 503 and "MONITOR_RULE_TEST_CONCURRENCY" in r.text
        evaluator._busy = 0
        r = await c.post("/rules/edit", data={"csrf": csrf, "yaml": good, "action": "check"})
        assert r.status_code == 200 and "valid: probe" in r.text

    with_console(settings_for(tmp_path), scenario, polled=False)
