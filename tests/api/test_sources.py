"""The API's sources: add, list, pages, pause, resume, poll now, remove."""

from __future__ import annotations

from pathlib import Path

import httpx

from monitor.app import App
from monitor.config import Settings
from monitor.testing import LoopbackServer, Reply
from tests.api.test_api import RSS
from tests.apiclient import with_api


def test_sources_add_list_pages_pause_resume_poll_and_remove(
        api_settings: Settings, server: LoopbackServer, tmp_path: Path) -> None:
    server.route("/feed", Reply(200, RSS, {"content-type": "application/rss+xml"}))

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        r = await client.post("/api/v1/sources", json={"url": server.url("/feed"),
                                                        "interval": 60, "labels": ["world"]})
        assert r.status_code == 201, r.text
        feed = r.json()
        assert (feed["kind"], feed["interval"], feed["labels"]) == ("feed", 60, ["world"])
        again = await client.post("/api/v1/sources", json={"url": server.url("/feed")})
        assert again.status_code == 200 and again.json()["id"] == feed["id"]
        bad = await client.post("/api/v1/sources", json={"url": "ftp://x"})
        assert bad.status_code == 422 and "neither" in bad.json()["error"]["message"]
        refused = await client.post("/api/v1/sources", json={"url": "http://10.1.2.3/feed.xml"})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "url_refused"
        assert "non-public address" in refused.json()["error"]["message"]
        bad = await client.post("/api/v1/sources", json={"url": server.url("/"),
                                                         "interval": "often"})
        assert bad.status_code == 422 and "interval" in bad.json()["error"]["message"]

        first = (await client.get("/api/v1/sources", params={"limit": 1})).json()
        assert len(first["items"]) == 1 and first["next"]
        second = (await client.get(first["next"])).json()
        assert second["items"][0]["id"] == feed["id"] and second["next"] is None

        paused = await client.post(f"/api/v1/sources/{feed['id']}/pause")
        assert paused.json()["enabled"] is False
        resumed = await client.post(f"/api/v1/sources/{feed['id']}/resume")
        assert resumed.json()["enabled"] is True

        polled = await client.post(f"/api/v1/sources/{feed['id']}/poll")
        assert polled.status_code == 200, polled.text
        poll = polled.json()["poll"]
        assert (poll["status"], poll["new_articles"]) == ("ok", 2)
        assert [a["rule"] for a in poll["alerts"]] == ["negotiations"]
        assert polled.json()["articles"] == 2 and polled.json()["last_status"] == "ok"

        assert (await client.delete(f"/api/v1/sources/{feed['id']}")).status_code == 204
        assert (await client.get(f"/api/v1/sources/{feed['id']}")).status_code == 404
        assert (await client.post(f"/api/v1/sources/{feed['id']}/poll")).status_code == 404
        assert (await client.get("/api/v1/articles", params={"source": feed["id"]})
                ).json()["items"] == []

    with_api(api_settings, scenario)
