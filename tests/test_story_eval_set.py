"""The story-linking evaluation set (seeds/eval/stories): its format, split and look-alikes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from typing import Any

import pytest

from tests.conftest import ROOT

STORIES = ROOT / "seeds" / "eval" / "stories"
KEYS = {"id", "event", "language", "published", "title", "body", "url", "note"}


def _lines(name: str) -> list[dict[str, Any]]:
    text = (STORIES / f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


DEV, TEST = _lines("dev"), _lines("test")
ALL = DEV + TEST


def _events(lines: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        out[line["event"]].append(line)
    return out


EVENTS = _events(ALL)
LOOKALIKES: list[dict[str, Any]] = json.loads(
    (STORIES / "lookalikes.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("line", ALL, ids=[x["id"] for x in ALL])
def test_line_has_the_documented_fields(line: dict[str, Any]) -> None:
    assert set(line) == KEYS
    assert re.fullmatch(r"ev\d{3}", line["event"])
    assert re.fullmatch(rf"{line['event']}-{line['language']}-\d+", line["id"])
    assert re.fullmatch(r"[a-z]{2}", line["language"])
    assert line["url"].startswith(("http://", "https://"))
    assert 0 < len(line["body"]) <= 1200
    assert isinstance(line["title"], str) and line["note"]
    if line["published"] is not None:
        assert dt.date.fromisoformat(line["published"]) <= dt.date.today()


def test_ids_and_addresses_are_unique() -> None:
    assert len({x["id"] for x in ALL}) == len(ALL)
    assert len({x["url"] for x in ALL}) == len(ALL)


def test_an_event_lives_in_the_file_its_hash_says() -> None:
    for name, lines in (("dev", DEV), ("test", TEST)):
        for event in {x["event"] for x in lines}:
            even = int(hashlib.sha1(event.encode()).hexdigest(), 16) % 2 == 0
            assert (name == "test") == even, event


def test_an_event_has_one_description() -> None:
    for event, lines in EVENTS.items():
        assert len({x["note"] for x in lines}) == 1, event


def test_the_set_is_large_and_multilingual() -> None:
    assert len(EVENTS) >= 60 and len(ALL) >= 300
    assert len({x["language"] for x in ALL}) >= 8
    spread = [e for e, lines in EVENTS.items() if len({x["language"] for x in lines}) >= 3]
    assert len(spread) > len(EVENTS) / 2
    assert _events(DEV) and _events(TEST)


def test_lookalikes_name_distinct_existing_events() -> None:
    named = [e for group in LOOKALIKES for e in group["events"]]
    assert len(named) == len(set(named))
    for group in LOOKALIKES:
        assert len(group["events"]) >= 2 and group["why"]
        assert set(group["events"]) <= set(EVENTS), group["why"]


def test_a_single_article_event_is_a_lookalike() -> None:
    named = {e for group in LOOKALIKES for e in group["events"]}
    singles = {e for e, lines in EVENTS.items() if len(lines) == 1}
    assert singles <= named
