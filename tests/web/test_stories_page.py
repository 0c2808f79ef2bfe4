"""The console's stories page reads the story rows: counts, languages, members, and a badge
for each rule the story broke for."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from monitor.app import App
from monitor.delivery.payload import breaking_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Evidence, Match
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, storylist
from monitor.store.records import BreakingRule, StoryDecisions
from tests.web.consolehelp import log_in, settings_for, with_console

RULE = BreakingRule("quake", "Earthquakes", "high", 2, timedelta(hours=1), 1.0,
                    timedelta(days=14), ())


def test_stories_page_shows_counts_members_and_breaking(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        now = app.clock()
        match = Match("quake", "Earthquakes", 1.0,
                      (Evidence("earthquake", "title", 7, 17, "earthquake", "«earthquake»"),))
        for n, lang in enumerate(("en", "fr")):
            src = app.store.add_source("feed", f"http://127.0.0.1/q{n}", interval=600, now=now)
            article = Article(title=f"Strong earthquake off Hokkaido ({lang})", body="Shaking.",
                              guid=f"q{n}", language=lang, content_hash="same-quake")
            plan = plan_poll([(article, [match])], targets=[], route=choose,
                             payload=lambda *a: {"type": "alert", "data": {}},
                             since=now - timedelta(days=7), watch={"quake": RULE},
                             breaking_payload=breaking_payload)
            app.store.save_poll(int(src.id or 0), PollOutcome("ok", now), plan,
                                now=now + timedelta(minutes=n))
        html = (await c.get("/stories")).text
        assert "Strong earthquake off Hokkaido (en)" in html
        assert "2 articles · 2 sources · languages: en, fr" in html
        assert '<span class="badge bad">Breaking: quake</span>' in html
        # Members without a URL are listed by title, not as links that lead nowhere.
        assert "<li>Strong earthquake off Hokkaido (fr) — " in html and 'href="#"' not in html
        # Another story of the quake breaks too, then a report merges the two: one badge per
        # rule however many breaking alerts the merged stories had, and the merge said.
        for n in (2, 3, 4):
            src = app.store.add_source("feed", f"http://127.0.0.1/q{n}", interval=600, now=now)
            article = Article(title=f"Hokkaido quake ({n})", body="Shaking.", guid=f"q{n}",
                              language="de", content_hash="other-quake" if n < 4 else "both")
            plan = plan_poll([(article, [match])], targets=[], route=choose,
                             payload=lambda *a: {"type": "alert", "data": {}},
                             since=now - timedelta(days=7), watch={"quake": RULE},
                             breaking_payload=breaking_payload)
            if n == 4:
                first, second = sorted(v.row.id for v in storylist.stories_page(
                    app.store, storylist.StoryFilter(), limit=10))
                merge = StoryDecisions([first], {second: first})
                plan = replace(plan, stories=lambda _found, decided=merge: decided)
            app.store.save_poll(int(src.id or 0), PollOutcome("ok", now), plan,
                                now=now + timedelta(minutes=n))
        with app.store.engine.connect() as conn:  # a breaking alert from each story
            assert conn.execute(text("SELECT count(*) FROM alerts WHERE kind = 'breaking' "
                                     "AND story_id = :s"), {"s": first}).scalar_one() == 2
        html = (await c.get("/stories")).text
        assert html.count("Breaking: quake") == 1
        assert "5 articles · 5 sources · languages: de, en, fr" in html
        assert "1 story merged into it" in html

    with_console(settings_for(tmp_path, seeds_dir=tmp_path / "none"), scenario, polled=False)
