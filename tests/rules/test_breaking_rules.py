"""A rule's ``breaking:`` field: the loader and the schema agree on it, and the thresholds
it gives (settings for what it leaves out) decide when a story is breaking."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml

from monitor.delivery.targets import choose
from monitor.models import Article
from monitor.reader.breaking import BreakingDefaults, breaking_rules, breaks, threshold
from monitor.rules.files import read_dir
from monitor.store.records import BreakingStory

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schema" / "rule.schema.json")
                    .read_text(encoding="utf-8"))


@pytest.mark.parametrize(("breaking", "valid"), [
    ("true", True),
    ("false", True),
    ("{min_sources: 5, window_minutes: 30, factor: 2.5, baseline_days: 7}", True),
    ("{factor: 2}", True),
    ("{min_sources: 1}", False),  # one source is every story
    ("{factor: 0.5}", False),
    ("{window_minutes: 1.5}", False),
    ("{min_sources: true}", False),
    ("{sources: 3}", False),
    ("often", False),
])
def test_loader_and_schema_agree_on_breaking(tmp_path: Path, breaking: str,
                                             valid: bool) -> None:
    text = f"id: quake\nquery: earthquake\nbreaking: {breaking}\n"
    (tmp_path / "quake.yaml").write_text(text, encoding="utf-8")
    _files, problems = read_dir(tmp_path)
    assert (problems == []) is valid, problems
    assert jsonschema.Draft202012Validator(SCHEMA).is_valid(yaml.safe_load(text)) is valid
    if not valid:
        assert "breaking" in str(problems[0])


def test_thresholds_come_from_the_rule_then_the_settings(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(
        "- {id: quake, query: earthquake, breaking: {min_sources: 6, factor: 2},"
        " notify: [ops]}\n- {id: talks, query: talks, breaking: true}\n"
        "- {id: plain, query: weather}\n- {id: paused, query: x, breaking: true, enabled: false}\n",
        encoding="utf-8")
    files, problems = read_dir(tmp_path)
    assert problems == []
    defaults = BreakingDefaults(4, timedelta(minutes=45), 3.0, timedelta(days=10))
    got = breaking_rules(files.rules, defaults, ["ops", "chat"], choose)
    assert sorted(got) == ["quake", "talks"]
    quake, talks = got["quake"], got["talks"]
    assert (quake.min_sources, quake.factor, quake.window, quake.targets) == (
        6, 2.0, timedelta(minutes=45), ("ops",))
    assert (talks.min_sources, talks.factor, talks.baseline, talks.targets) == (
        4, 3.0, timedelta(days=10), ("ops", "chat"))

    def story(in_window: int, median: float) -> BreakingStory:
        return BreakingStory(quake, 1, Article("t", ""), "s", datetime.now(UTC), in_window,
                             in_window, median, 10)

    # The usual story of the rule is told by one source: its minimum decides (6).
    assert threshold(story(5, 0.0)) == 6 and not breaks(story(5, 1.0)) and breaks(story(6, 1))
    # A rule whose stories are usually told by 4 sources needs twice that.
    assert threshold(story(7, 4.0)) == 8 and not breaks(story(7, 4.0)) and breaks(story(8, 4))
