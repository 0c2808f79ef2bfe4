"""The HTTP API through the real application: auth, sources, rules, articles, alerts, health."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from monitor.app import App
from monitor.config import Settings
from monitor.testing import LoopbackServer, Reply
from tests.apiclient import cycle, with_api

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback news</title>
<item><title>Ceasefire talks resume in Doha</title><guid>n-1</guid>
<description>Negotiators met again for peace talks.</description></item>
<item><title>Weather</title><guid>n-2</guid><description>Rain later.</description></item>
</channel></rss>"""
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def _poll_seeds(client: httpx.AsyncClient, app: App) -> None:
    await cycle(app)


def test_health_and_openapi_are_open_and_api_needs_the_token(api_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        bare = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
        async with bare:
            assert (await bare.get("/healthz")).json() == {"status": "ok"}
            doc = (await bare.get("/openapi.json")).json()
            assert doc["openapi"].startswith("3.") and "/api/v1/rules/test" in doc["paths"]
            assert (await bare.get("/metrics")).status_code == 200
            refused = await bare.get("/api/v1/sources")
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthorized"
            assert refused.headers["www-authenticate"].startswith("Bearer")
            wrong = await bare.get("/api/v1/sources", headers={"authorization": "Bearer nope"})
            assert wrong.status_code == 401
            basic = await bare.get("/api/v1/sources", headers={"authorization": "Basic eDp5"})
            assert basic.status_code == 401
        assert (await client.get("/api/v1/sources")).status_code == 200

    with_api(api_settings, scenario)


def test_readyz_reports_each_check_and_why_it_is_not_ready(settings: Settings) -> None:
    async def ready(client: httpx.AsyncClient, app: App) -> None:
        r = await client.get("/readyz")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["ready"] is True and body["checks"]["database"] == "ok"
        assert body["checks"]["rules"]["count"] == 3
        app.stopping = True
        r = await client.get("/readyz")
        assert r.status_code == 503 and "shutting down" in r.json()["reasons"]

    async def not_ticked(client: httpx.AsyncClient, app: App) -> None:
        r = await client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["reasons"] == ["the scheduler has not ticked yet"]
        app.ticks["scheduler"] = app.clock()
        app.store.engine = create_engine(f"sqlite:///{app.settings.rules_dir}/no/such/dir.db")
        r = await client.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["database"] == "unreachable"
        assert (await client.get("/healthz")).status_code == 200  # alive all the same
        assert (await client.get("/api/v1/sources")).status_code == 503
        assert (await client.get("/metrics")).status_code == 200

    with_api(settings, ready, token=None)
    with_api(settings, not_ticked, token=None, ticked=False)


def test_metrics_count_polls_articles_matches_and_outbox(settings: Settings,
                                                         server: LoopbackServer) -> None:
    server.route("/hook", Reply(500, b"down"))
    settings = replace(settings, webhook_url=server.url("/hook"), webhook_secret=SECRET)

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        reports, _ = await cycle(app)
        new = sum(r.new_articles for r in reports)
        alerts = [a.rule_id for r in reports for a in r.alerts]
        assert new >= 4 and len(alerts) >= 4
        text = (await client.get("/metrics")).text
        assert 'monitor_polls_total{outcome="ok"} 1.0' in text
        assert f"monitor_articles_ingested_total {new}.0" in text
        n = alerts.count("negotiations")
        assert f'monitor_rule_matches_total{{rule="negotiations"}} {n}.0' in text
        assert f"monitor_alerts_total {len(alerts)}.0" in text
        assert f'monitor_rules_info{{version="{app.matcher.version}"}} 1.0' in text
        assert (f'monitor_deliveries_total{{outcome="failed",target="default"}} '
                f'{len(alerts)}.0') in text
        assert f'monitor_outbox_depth{{status="pending"}} {len(alerts)}.0' in text
        assert "monitor_poll_duration_seconds_count 1.0" in text
        assert (f'monitor_delivery_duration_seconds_count{{target="default"}} '
                f'{len(alerts)}.0') in text

    with_api(settings, scenario, token=None)


def test_rules_list_validate_and_test_against_text_and_url(
        api_settings: Settings, server: LoopbackServer) -> None:
    page = (b"<html><head><title>Embassy news</title></head><body><p>The embassy in Kabul "
            b"reopened its consular section.</p></body></html>")
    server.route("/page", Reply(200, page, {"content-type": "text/html; charset=utf-8"}))

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        listed = (await client.get("/api/v1/rules")).json()
        assert {r["id"] for r in listed["items"]} == {"sanctions", "embassies", "negotiations"}
        assert listed["version"] == app.matcher.version
        two = (await client.get("/api/v1/rules", params={"limit": 2})).json()
        assert len(two["items"]) == 2 and "offset=2" in two["next"]

        ok = (await client.post("/api/v1/rules/validate", json={"query": "sanction*"})).json()
        assert ok["valid"] is True and ok["rules"][0]["id"] == "candidate"
        broken = (await client.post("/api/v1/rules/validate", json={
            "yaml": "id: x\nquery: a\nbogus: 1\n"})).json()
        assert broken["valid"] is False
        problem = broken["problems"][0]
        assert problem["file"] == "candidate.yaml" and problem["line"] == 3
        assert "unknown field 'bogus'" in problem["message"]

        hit = (await client.post("/api/v1/rules/test", json={
            "query": '"peace talks" OR ceasefire', "title": "Gaza",
            "text": "Both sides agreed to a ceasefire after peace talks."})).json()
        assert hit["matches"] is True
        terms = {e["term"] for e in hit["results"][0]["evidence"]}
        assert terms == {'"peace talks"', "ceasefire"} or terms == {"peace talks", "ceasefire"}
        assert "«ceasefire»" in hit["results"][0]["evidence"][0]["snippet"] or any(
            "«" in e["snippet"] for e in hit["results"][0]["evidence"])
        miss = (await client.post("/api/v1/rules/test", json={
            "rule": {"query": "embassy", "languages": ["fr"]},
            "text": "The embassy in the capital reopened on Monday after the long repairs of "
                    "its consular section."})).json()
        assert miss["matches"] is False and miss["article"]["language"] == "en"
        by_url = (await client.post("/api/v1/rules/test", json={
            "query": "embassy", "url": server.url("/page")})).json()
        assert by_url.get("matches") is True, by_url
        assert by_url["article"]["title"] == "Embassy news"
        gone = await client.post("/api/v1/rules/test", json={"query": "x",
                                                             "url": server.url("/missing")})
        assert gone.status_code == 422 and "404" in gone.json()["error"]["message"]
        invalid = await client.post("/api/v1/rules/test", json={"yaml": "id: [", "text": "x"})
        assert invalid.status_code == 422 and invalid.json()["error"]["problems"]
        both = await client.post("/api/v1/rules/test", json={"query": "x"})
        assert both.status_code == 422

    with_api(api_settings, scenario)


def test_backtest_counts_per_day_with_examples(api_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        await cycle(app)
        r = await client.post("/api/v1/rules/backtest", json={"query": "sanksi*",
                                                               "since": "1d"})
        assert r.status_code == 200, r.text
        body = r.json()
        stored = (await client.get("/api/v1/articles", params={"limit": 500})).json()["items"]
        assert body["articles_scanned"] == len(stored) and body["alerts"] == 1
        assert body["per_day"] == [{"day": app.clock().date().isoformat(), "alerts": 1,
                                    "per_rule": {"candidate": 1}}]
        example = body["examples"][0]
        assert example["rule"] == "candidate" and "«sanksi" in example["evidence"][0]["snippet"]
        by_id = (await client.post("/api/v1/rules/backtest", json={"id": "embassies"})).json()
        alerted = (await client.get("/api/v1/alerts", params={"rule": "embassies"})).json()
        assert by_id["per_rule"] == {"embassies": len(alerted["items"])} and alerted["items"]
        missing = await client.post("/api/v1/rules/backtest", json={"id": "/etc/passwd"})
        assert missing.status_code == 404
        bad = await client.post("/api/v1/rules/backtest", json={"query": "x", "since": "soon"})
        assert bad.status_code == 422

    with_api(api_settings, scenario)


def test_articles_list_search_filter_and_page(api_settings: Settings, server: LoopbackServer,
                                              tmp_path: Path) -> None:
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Sanksi baru\n\nPemerintah Indonesia mengumumkan sanksi baru "
                                 "terhadap perusahaan pelayaran pada hari Senin.", "utf-8")
    api_settings = replace(api_settings, seeds_dir=inbox)

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        app.store.add_source("feed", server.url("/feed"), interval=60, now=app.clock())
        await cycle(app)
        every = (await client.get("/api/v1/articles")).json()["items"]
        assert len(every) == 3 and every[0]["id"] > every[-1]["id"]  # newest first
        found = (await client.get("/api/v1/articles", params={"q": "PEACE talks"})).json()
        assert [a["title"] for a in found["items"]] == ["Ceasefire talks resume in Doha"]
        assert (await client.get("/api/v1/articles", params={"q": "100%"})).json()["items"] == []
        indonesian = (await client.get("/api/v1/articles", params={"language": "id"})).json()
        assert len(indonesian["items"]) == 1
        later = (await client.get("/api/v1/articles", params={
            "since": "2999-01-01T00:00:00"})).json()
        assert later["items"] == []
        p1 = (await client.get("/api/v1/articles", params={"limit": 2})).json()
        p2 = (await client.get("/api/v1/articles", params={"limit": 2,
                                                            "cursor": p1["next_cursor"]})).json()
        assert [a["id"] for a in p1["items"] + p2["items"]] == [a["id"] for a in every]
        assert p2["next"] is None
        one = (await client.get(f"/api/v1/articles/{every[0]['id']}")).json()
        assert "body" in one
        assert (await client.get("/api/v1/articles/999999")).status_code == 404
        bad = await client.get("/api/v1/articles", params={"limit": "many"})
        assert bad.status_code == 400 and "limit" in bad.json()["error"]["message"]
        bad = await client.get("/api/v1/articles", params={"since": "yesterday"})
        assert bad.status_code == 400

    with_api(api_settings, scenario)


def test_alerts_list_and_replay_to_the_webhook(api_settings: Settings,
                                               server: LoopbackServer) -> None:
    server.route("/hook", Reply(204))
    settings = replace(api_settings, webhook_url=server.url("/hook"), webhook_secret=SECRET)

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        await cycle(app)
        sent = len(server.received("/hook"))
        alerts = (await client.get("/api/v1/alerts")).json()["items"]
        assert {a["rule"] for a in alerts} == {"sanctions", "embassies", "negotiations"}
        assert len(alerts) == sent
        assert all(a["deliveries"][0]["status"] == "delivered" for a in alerts)
        only = (await client.get("/api/v1/alerts", params={"rule": "embassies"})).json()
        assert {a["rule"] for a in only["items"]} == {"embassies"}
        assert len(only["items"]) == sum(a["rule"] == "embassies" for a in alerts)
        first = alerts[0]
        old_id = first["deliveries"][0]["webhook_id"]
        replay = await client.post(f"/api/v1/alerts/{first['id']}/replay")
        assert replay.status_code == 200, replay.text
        queued = replay.json()["deliveries"][0]
        # The same message again: a receiver that lost it takes it, one that has it drops it.
        assert queued["status"] == "pending" and queued["webhook_id"] == old_id
        await app.deliverer.deliver_due()
        resent = server.received("/hook")
        assert len(resent) == sent + 1
        assert json.loads(resent[-1].body)["data"]["rule"]["id"] == first["rule"]
        assert resent[-1].headers["webhook-id"] == queued["webhook_id"]
        unknown = await client.post(f"/api/v1/alerts/{first['id']}/replay",
                                    json={"targets": ["pager"]})
        assert unknown.status_code == 422
        assert (await client.post("/api/v1/alerts/999999/replay")).status_code == 404
        shown = (await client.get(f"/api/v1/alerts/{first['id']}")).json()
        assert shown["deliveries"][0]["status"] == "delivered"

    with_api(settings, scenario)
