"""Breaking stories in the store: one alert when a rule's story spreads well above its usual,
counted from real rows on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from monitor.delivery.payload import breaking_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Evidence, Match, NewAlert
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store, storylist
from monitor.store.records import BreakingRule

pytestmark = pytest.mark.backends
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schema" /
                     "alert-payload.schema.json").read_text(encoding="utf-8"))

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
RULE = BreakingRule("sanctions", "Sanctions", "high", min_sources=3,
                    window=timedelta(minutes=60), factor=2.0, baseline=timedelta(days=14),
                    targets=("default",))


def _match(rule_id: str) -> Match:
    return Match(rule_id, rule_id.title(), 1.0,
                 (Evidence("sanctions", "body", 4, 13, "sanctions", "New «sanctions»."),))


def _poll(store: Store, source: int, body: str, now: datetime, *, language: str = "en",
          rule: BreakingRule = RULE) -> list[NewAlert]:
    article = Article(title=f"Report of {body}", body=body, guid=f"{source}-{body}",
                      language=language, content_hash=f"h-{body}")
    plan = plan_poll([(article, [_match(rule.rule_id)])], targets=["default"],
                     route=choose, payload=lambda *a: {"type": "alert"},
                     since=now - timedelta(days=7), watch={rule.rule_id: rule},
                     breaking_payload=breaking_payload)
    return store.save_poll(source, PollOutcome("ok", now + timedelta(hours=1)), plan, now=now)


def _sources(store: Store, n: int) -> list[int]:
    return [int(store.add_source("feed", f"http://127.0.0.1/{i}", interval=60, now=NOW).id or 0)
            for i in range(n)]


def _kinds(alerts: Sequence[NewAlert]) -> list[str]:
    return [a.kind for a in alerts]


def test_a_story_spreading_above_the_rules_usual_raises_one_breaking_alert(db_url: str) -> None:
    store = Store.open(db_url)
    src = _sources(store, 5)
    # The rule's usual: stories told by one source each (median 1, so 2 x 1 < min 3).
    for day in range(1, 4):
        old = _poll(store, src[0], f"old story {day}", NOW - timedelta(days=day))
        assert _kinds(old) == ["alert"]
    assert _kinds(_poll(store, src[0], "the story", NOW)) == ["alert"]
    assert _poll(store, src[1], "the story", NOW + timedelta(minutes=5)) == []
    third = _poll(store, src[2], "the story", NOW + timedelta(minutes=9), language="fr")
    assert _kinds(third) == ["breaking"]
    assert _poll(store, src[3], "the story", NOW + timedelta(minutes=12)) == []  # once
    breaking = [a for a in store.alerts() if a.kind == "breaking"]
    assert len(breaking) == 1 and breaking[0].id == third[0].alert_id
    payload = json.loads(breaking[0].payload)
    jsonschema.validate(payload, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert payload["type"] == "breaking" and payload["version"] == 1
    story = payload["data"]["story"]
    assert [s["id"] for s in story["sources"]] == src[:3]
    assert story["languages"] == ["en", "fr"]
    assert story["sources_in_window"] == 3 and story["baseline_median"] == 1.0
    assert payload["data"]["article"]["title"] == "Report of the story"
    pending = [d for d in store.deliveries("pending") if d.alert_id == third[0].alert_id]
    assert [d.target for d in pending] == ["default"]
    store.close()


def test_sources_outside_the_window_or_a_busy_rules_usual_do_not_make_it_break(
        db_url: str) -> None:
    store = Store.open(db_url)
    src = _sources(store, 7)
    _poll(store, src[0], "slow story", NOW)
    _poll(store, src[1], "slow story", NOW + timedelta(minutes=50))
    # The first report left the 60-minute window: two sources in it, below three.
    assert _poll(store, src[2], "slow story", NOW + timedelta(minutes=70)) == []
    # A rule whose stories are usually told by three sources needs 2 x 3 = 6 now.
    busy = BreakingRule("busy", "Busy", "info", 3, timedelta(minutes=60), 2.0,
                        timedelta(days=14), ("default",))

    def told(body: str, at: datetime, n: int) -> list[NewAlert]:
        out: list[NewAlert] = []
        for i in range(n):
            out.extend(_poll(store, src[i], body, at + timedelta(minutes=i), rule=busy))
        return out

    for day in (1, 2, 3):
        told(f"busy old {day}", NOW - timedelta(days=day), 3)
    assert "breaking" not in _kinds(told("busy new", NOW + timedelta(hours=3), 5))
    # Sources 6 and 7 join (the first five gave it already): the sixth source makes it.
    assert _kinds(told("busy new", NOW + timedelta(hours=3, minutes=10), 7)) == ["breaking"]
    store.close()


def test_polls_joining_one_story_at_once_count_each_other(db_url: str) -> None:
    store = Store.open(db_url)
    src = _sources(store, 9)
    _poll(store, src[0], "crowded story", NOW)
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda i: _poll(store, src[i], "crowded story",
                                             NOW + timedelta(minutes=1)), range(1, 9)))
    # Eight sources joined together: the row counts all nine, and one of them broke it.
    assert sorted(k for alerts in made for k in _kinds(alerts)) == ["breaking"]
    (story,) = [v for v in storylist_page(store) if v.row.articles > 1]
    assert (story.row.articles, story.row.sources) == (9, 9)
    store.close()


def storylist_page(store: Store) -> list[storylist.StoryView]:
    return storylist.stories_page(store, storylist.StoryFilter(), limit=50)
