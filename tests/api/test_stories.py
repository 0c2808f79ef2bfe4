"""``/api/v1/stories``: the stored stories with members, sources and languages; filters,
pages, one story, auth like every API route."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from monitor.app import App
from monitor.config import Settings
from monitor.delivery.targets import choose
from monitor.models import Article
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome
from monitor.store.records import StoryCandidates, StoryDecisions
from monitor.testing import LoopbackServer, Reply
from tests.apiclient import cycle, with_api

pytestmark = pytest.mark.backends

ITEM = ("<item><title>Ceasefire talks resume in Doha after a week of fighting</title>"
        "<guid>{name}-1</guid><link>http://127.0.0.1/{name}/1</link><description>Negotiators "
        "from both sides met again in Doha on Sunday for peace talks, mediators said, after a "
        "week in which shelling killed dozens.</description></item>")


def _feed(name: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name} wire</title>'
            f"<language>en</language>{ITEM.format(name=name)}</channel></rss>").encode()


def test_stories_are_listed_filtered_paged_and_shown(api_settings: Settings,
                                                     server: LoopbackServer) -> None:
    for name in ("one", "two"):
        server.route(f"/{name}", Reply(200, _feed(name), {"content-type": "application/rss+xml"}))

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        for name in ("one", "two"):
            app.store.add_source("feed", server.url(f"/{name}"), interval=600, now=app.clock())
            await cycle(app)  # one source after the other: the second joins the story
        every = (await client.get("/api/v1/stories")).json()
        assert every["items"] and every["next"] is None
        shared = (await client.get("/api/v1/stories", params={"min_sources": 2})).json()
        assert len(shared["items"]) == 1
        story = shared["items"][0]
        assert story["title"].startswith("Ceasefire talks resume")
        assert [s["name"] for s in story["sources"]] == ["one wire", "two wire"]
        assert story["languages"] == ["en"] and story["articles"] == 2
        assert "negotiations" in story["rules"] and story["breaking"] == []
        assert [m["source"] for m in story["members"]] == ["one wire", "two wire"]
        assert story["first_seen"].endswith("Z")
        by_rule = (await client.get("/api/v1/stories",
                                    params={"rule": "negotiations"})).json()["items"]
        assert story["id"] in [s["id"] for s in by_rule]
        assert all("negotiations" in s["rules"] for s in by_rule)
        later = (app.clock() + timedelta(hours=1)).isoformat()
        assert (await client.get("/api/v1/stories", params={"since": later})).json()[
            "items"] == []
        assert (await client.get("/api/v1/stories", params={"language": "xx"})).json()[
            "items"] == []
        pages = [(await client.get("/api/v1/stories", params={"limit": 2})).json()]
        assert pages[0]["next_cursor"] == str(pages[0]["items"][-1]["id"])
        while pages[-1]["next"]:
            pages.append((await client.get(pages[-1]["next"])).json())
        assert all(len(p["items"]) <= 2 for p in pages)
        assert [s["id"] for p in pages for s in p["items"]] == [s["id"] for s in every["items"]]
        one = await client.get(f"/api/v1/stories/{story['id']}")
        assert one.status_code == 200 and one.json()["members"] == story["members"]
        missing = await client.get("/api/v1/stories/987654")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        rules = (await client.get("/api/v1/rules")).json()["items"]
        assert rules and all(r["breaking"] is None for r in rules)  # none opts in as shipped
        alerts = (await client.get("/api/v1/alerts")).json()["items"]
        assert {a["kind"] for a in alerts} == {"alert"}
        # Values at the ends of what the API takes: answers, never a database error.
        ends = [({"since": "0001-01-01T00:00:00+01:00"}, len(every["items"])),
                ({"since": "9999-12-31T23:59:59-01:00"}, 0),
                ({"min_sources": str(2**63 - 1)}, 0), ({"cursor": str(2**63 - 1)}, 50),
                ({"language": "\0"}, 0), ({"rule": "r\0"}, 0)]
        for params, count in ends:
            r = await client.get("/api/v1/stories", params=params)
            assert r.status_code == 200, (params, r.text)
            assert len(r.json()["items"]) == min(count, len(every["items"])), params
        assert (await client.get(f"/api/v1/stories/{2**62 - 1}")).status_code == 404
        bad = await client.get("/api/v1/stories", params={"min_sources": "many"})
        assert bad.status_code == 400
        bare = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
        async with bare:
            assert (await bare.get("/api/v1/stories")).status_code == 401
            doc = (await bare.get("/openapi.json")).json()
            assert {"/api/v1/stories", "/api/v1/stories/{id}"} <= set(doc["paths"])

    with_api(api_settings, scenario)


def test_a_merged_story_redirects_to_the_story_it_became_part_of(api_settings: Settings) -> None:
    """Alerts already sent name a story that a later report merged into another: its URL
    answers 301 with the kept story's, which lists what was merged into it."""

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        now = app.clock()

        def save(n: int, decide: object) -> None:
            src = app.store.add_source("feed", f"http://127.0.0.1/m{n}", interval=600, now=now)
            article = Article(title=f"Report {n}", body="Talks resumed.", guid=f"m{n}",
                              language="en", content_hash=f"m{n}")
            plan = plan_poll([(article, ())], targets=[], route=choose,
                             payload=lambda *a: {}, since=now - timedelta(days=7))
            app.store.save_poll(int(src.id or 0), PollOutcome("ok", now),
                                replace(plan, stories=decide), now=now)

        def own(_found: StoryCandidates) -> StoryDecisions:
            return StoryDecisions([-1])
        save(1, own)
        save(2, own)
        first, second = sorted(s["id"] for s in
                               (await client.get("/api/v1/stories")).json()["items"])
        save(3, lambda _found: StoryDecisions([first], {second: first}))
        moved = await client.get(f"/api/v1/stories/{second}")
        assert moved.status_code == 301
        assert moved.headers["location"] == f"/api/v1/stories/{first}"
        assert moved.json()["error"]["code"] == "merged"
        assert moved.json()["error"]["story"] == first
        kept = await client.get(f"/api/v1/stories/{second}", follow_redirects=True)
        assert kept.status_code == 200
        assert (kept.json()["id"], kept.json()["articles"]) == (first, 3)
        assert [m["story"] for m in kept.json()["merged"]] == [second]

    with_api(api_settings, scenario)
