"""Two stored stories found to tell one event become one: the older keeps its id, the other's
articles, alerts and index rows move to it, and its row goes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Evidence, Match
from monitor.reader import semantic
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store
from monitor.store.records import StoryCandidates, StoryDecisions
from monitor.store.sourcelist import delete_source
from monitor.store.storylist import StoryFilter, get_story, merged_into, stories_page

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
# Long enough for a SimHash (near-duplicate bands) and names and figures (terms).
TOLD = {"en": ("Two embassy staff killed in Kabul blast",
               "Two Russian embassy staff were killed when a suicide bomber struck near the "
               "entrance of the mission in Kabul on Monday, the foreign ministry in Moscow said, "
               "adding that 11 people were wounded and the ambassador Dmitry Zhirnov was safe."),
        "ru": ("Взрыв у посольства в Кабуле",
               "У здания посольства России в Кабуле в понедельник произошел взрыв, погибли два "
               "сотрудника, 20 человек ранены, сообщил МИД в Москве; посол Дмитрий Жирнов не "
               "пострадал, здание оцеплено талибами, ведется расследование."),
        "bg": ("Взрив пред посолството в Кабул",
               "Експлозия близо до руското посолство в Кабул в понеделник уби двама служители, "
               "съобщи външното министерство в Москва; посланикът Дмитрий Жирнов е невредим, "
               "талибаните отцепиха района и разследват нападението.")}
Decide = Callable[[StoryCandidates], StoryDecisions]


def _article(language: str, copy: str = "") -> Article:
    title, body = TOLD[language]
    return Article(title=title, body=body, url=f"http://127.0.0.1/{language}{copy}",
                   guid=language + copy, language=language, published=NOW,
                   content_hash=hashlib.sha256((body + copy).encode()).hexdigest())


def _save(store: Store, language: str, now: datetime, decide: Decide | None = None,
          copy: str = "") -> dict[int, int]:
    source = store.add_source("feed", f"http://127.0.0.1/feed-{language}{copy}", interval=60,
                              now=now)
    assert source.id is not None
    match = Match("embassies", "Embassies", 1.0, (Evidence("embassy", "body", 0, 6, "x", "x"),))
    plan = plan_poll([(_article(language, copy), [match])], targets=["t"], route=choose,
                     payload=alert_payload, since=now - timedelta(days=7),
                     link_since=now - timedelta(hours=48))
    vector = np.zeros(semantic.DIM, dtype=np.float16)
    vector[len(language)] = 1  # a stored vector row (no encoder needed to write one)
    plan = replace(plan, articles=[replace(a, vector=vector.tobytes()) for a in plan.articles])
    if decide is not None:
        plan = replace(plan, stories=decide)
    return store.save_poll(source.id, PollOutcome("ok", now), plan, now=now).merged


def _rows(store: Store, story: int) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table} WHERE story_id = :s"),
                                    {"s": story}).scalar_one()
                for table in ("articles", "alerts", "story_bands", "story_terms",
                              "story_vectors")}


def _two_stories(store: Store) -> tuple[int, int]:
    _save(store, "en", NOW)
    _save(store, "ru", NOW + timedelta(minutes=5))
    first, second = sorted(v.row.id for v in stories_page(store, StoryFilter(), limit=10))
    return first, second


@pytest.mark.backends
def test_a_merge_moves_members_alerts_and_index_rows(db_url: str) -> None:
    store = Store.open(db_url)
    first, second = _two_stories(store)
    assert all(n > 0 for n in _rows(store, second).values())
    # The third report retells both: it joins the older, the newer is merged into it.
    _save(store, "bg", NOW + timedelta(minutes=9),
          lambda _found: StoryDecisions([first], {second: first}))
    [story] = stories_page(store, StoryFilter(), limit=10)
    assert (story.row.id, story.row.articles, story.row.sources) == (first, 3, 3)
    assert story.row.languages == "bg,en,ru"
    assert _rows(store, second) == dict.fromkeys(_rows(store, second), 0)
    assert _rows(store, first)["story_vectors"] == 3
    with store.engine.connect() as conn:
        alerts = conn.execute(text("SELECT id, story_id FROM alerts WHERE kind = 'alert' "
                                   "ORDER BY id")).all()
        copies = conn.execute(text("SELECT alert_id FROM alert_copies")).scalars().all()
    # Both reports alerted before they were known to be one; the bg one is listed under the
    # story's first alert, not alerted again.
    assert [a.story_id for a in alerts] == [first, first] and copies == [alerts[0].id]
    view = get_story(store, first)
    assert view is not None and {m["language"] for m in view.members} == {"bg", "en", "ru"}
    store.close()


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_a_plan_naming_a_story_merged_meanwhile_is_made_again(db_url: str) -> None:
    """PostgreSQL workers poll at once: a poll that read its candidates before another's
    merge committed would join the absorbed story (and alert again); it decides again."""
    store = Store.open(db_url)
    first, second = _two_stories(store)
    _save(store, "bg", NOW + timedelta(minutes=9),
          lambda _found: StoryDecisions([first], {second: first}))
    asked: list[StoryCandidates] = []

    def stale(found: StoryCandidates) -> StoryDecisions:
        asked.append(found)  # the first plan names the absorbed story; the second, the kept
        return StoryDecisions([second] if len(asked) == 1 else [first])
    _save(store, "en", NOW + timedelta(minutes=12), stale)
    assert len(asked) == 2
    assert [v.row.id for v in stories_page(store, StoryFilter(), limit=10)] == [first]
    assert _rows(store, second)["articles"] == 0
    store.close()


@pytest.mark.backends
def test_a_merged_story_id_leads_to_the_story_kept_until_it_is_gone(db_url: str) -> None:
    """Alerts already sent name the absorbed story: its id keeps leading to the story it
    became part of, through later merges, and to nothing once that story is pruned."""
    store = Store.open(db_url)
    for n, language in enumerate(("en", "ru", "bg")):  # three stories, whatever they share
        _save(store, language, NOW + timedelta(minutes=n), lambda _found: StoryDecisions([-1]))
    first, second, third = sorted(v.row.id for v in stories_page(store, StoryFilter(),
                                                                 limit=10))
    assert merged_into(store, third) is None
    # The third story is merged into the second, which is then merged into the first.
    assert _save(store, "en", NOW + timedelta(minutes=9),
                 lambda _found: StoryDecisions([second], {third: second}), "-2") == {
        third: second}
    assert merged_into(store, third) == second
    assert _save(store, "ru", NOW + timedelta(minutes=11),
                 lambda _found: StoryDecisions([first], {second: first}), "-2") == {
        second: first}
    assert (merged_into(store, second), merged_into(store, third)) == (first, first)
    assert get_story(store, second) is None
    view = get_story(store, first)
    assert view is not None and [m["story"] for m in view.to_dict()["merged"]] == [second, third]
    assert [m["at"] for m in view.merged] == [
        f"{(NOW + timedelta(minutes=m)).isoformat()}".replace("+00:00", "Z") for m in (11, 9)]
    assert merged_into(store, first) is None and merged_into(store, 2**40) is None
    # Every member's source removed: the story kept is gone, and the ids merged into it too.
    for info in store.list_sources():
        assert info.source.id is not None and delete_source(store, info.source.id)
    assert stories_page(store, StoryFilter(), limit=10) == []
    assert (merged_into(store, second), merged_into(store, third)) == (None, None)
    store.close()


@pytest.mark.backends
def test_a_story_gone_before_its_merge_gets_no_redirect(db_url: str) -> None:
    """A stale plan (on PostgreSQL, made again once and stale still) names a story that
    another worker merged or pruned meanwhile: nothing is merged, no id leads anywhere."""
    store = Store.open(db_url)
    first, _second = _two_stories(store)
    gone = 10**6
    assert _save(store, "bg", NOW + timedelta(minutes=9),
                 lambda _found: StoryDecisions([first], {gone: first})) == {}
    assert merged_into(store, gone) is None
    view = get_story(store, first)
    assert view is not None and view.merged == [] and view.row.articles == 2
    store.close()


def test_a_new_story_under_a_reused_id_is_no_merged_one(tmp_path: Path) -> None:
    """SQLite gives the highest ids again once their rows are deleted: a new story under the
    id of one merged away (its articles since removed) is itself, not a redirect."""
    store = Store.open(f"sqlite:///{tmp_path / 'reuse.db'}")
    first, second = _two_stories(store)
    _save(store, "bg", NOW + timedelta(minutes=9),
          lambda _found: StoryDecisions([first], {second: first}))
    assert merged_into(store, second) == first
    for info in store.list_sources():  # the Russian and Bulgarian reports' sources go
        if info.source.url.endswith(("-ru", "-bg")):
            assert info.source.id is not None and delete_source(store, info.source.id)
    _save(store, "ru", NOW + timedelta(minutes=12), lambda _found: StoryDecisions([-1]), "-2")
    assert get_story(store, second) is not None  # the reused id: a story of its own
    assert merged_into(store, second) is None
    view = get_story(store, first)
    assert view is not None and view.merged == []
    store.close()
