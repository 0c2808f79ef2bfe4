"""Two stored stories found to tell one event become one: the older keeps its id, the other's
articles, alerts and index rows move to it, and its row goes."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Evidence, Match
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store
from monitor.store.records import StoryDecisions
from monitor.store.storylist import StoryFilter, get_story, stories_page

pytestmark = pytest.mark.backends

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
TOLD = {"en": ("Two embassy staff killed in Kabul blast",
               "Two Russian embassy staff were killed when a suicide bomber struck."),
        "ru": ("Взрыв у посольства в Кабуле",
               "У здания посольства России в Кабуле произошел взрыв, 20 человек ранены."),
        "bg": ("Взрив пред посолството в Кабул",
               "Експлозия близо до руското посолство в Кабул, съобщават агенции.")}


def _article(language: str) -> Article:
    title, body = TOLD[language]
    return Article(title=title, body=body, url=f"http://127.0.0.1/{language}", guid=language,
                   language=language, published=NOW,
                   content_hash=hashlib.sha256(body.encode()).hexdigest())


def _save(store: Store, language: str, now: datetime,
          decide: StoryDecisions | None = None) -> None:
    source = store.add_source("feed", f"http://127.0.0.1/feed-{language}", interval=60, now=now)
    assert source.id is not None
    match = Match("embassies", "Embassies", 1.0, (Evidence("embassy", "body", 0, 6, "x", "x"),))
    plan = plan_poll([(_article(language), [match])], targets=["t"], route=choose,
                     payload=alert_payload, since=now - timedelta(days=7),
                     link_since=now - timedelta(hours=48))
    if decide is not None:
        plan = replace(plan, stories=lambda _found: decide)
    store.save_poll(source.id, PollOutcome("ok", now), plan, now=now)


def test_a_merge_moves_members_alerts_and_index_rows(db_url: str) -> None:
    store = Store.open(db_url)
    _save(store, "en", NOW)
    _save(store, "ru", NOW + timedelta(minutes=5))
    first, second = sorted(v.row.id for v in stories_page(store, StoryFilter(), limit=10))
    # The third report retells both: it joins the older, the newer is merged into it.
    _save(store, "bg", NOW + timedelta(minutes=9), StoryDecisions([first], {second: first}))
    [story] = stories_page(store, StoryFilter(), limit=10)
    assert (story.row.id, story.row.articles, story.row.sources) == (first, 3, 3)
    assert story.row.languages == "bg,en,ru"
    with store.engine.connect() as conn:
        for table in ("articles", "alerts", "story_bands", "story_terms"):
            left = conn.execute(text(f"SELECT count(*) FROM {table} WHERE story_id = :s"),
                                {"s": second}).scalar_one()
            assert left == 0, table
        alerts = conn.execute(text("SELECT story_id FROM alerts WHERE kind = 'alert' "
                                   "ORDER BY id")).scalars().all()
    # Both reports alerted before they were known to be one; the bg one is listed under the
    # story's first alert, not alerted again.
    assert alerts == [first, first]
    view = get_story(store, first)
    assert view is not None and {m["language"] for m in view.members} == {"bg", "en", "ru"}
    store.close()
