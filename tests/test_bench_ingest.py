"""The ingestion benchmark's generated feeds: real topic sentences the shipped rules match."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from monitor.models import Article
from monitor.reader.parsers.feed import parse_any_feed, parse_with_feedparser
from monitor.rules.matcher import Matcher
from tests.conftest import ROOT, RULES


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = ROOT / "bench" / "bench_ingest.py"
    spec = importlib.util.spec_from_file_location("bench_ingest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_ingest", module)
    spec.loader.exec_module(module)
    return module


def test_every_topic_sentence_matches_a_shipped_rule(bench: ModuleType) -> None:
    matcher = Matcher.load(RULES)
    for language, sentences in bench.TOPICS.items():
        for n, sentence in enumerate(sentences):
            article = Article(title="Karito nemasa", body=f"Lovedi puba. {sentence} Zimora.",
                              language=language, id=f"{language}{n}")
            assert list(matcher.match(article)), f"{language}: {sentence}"


def test_generated_feeds_carry_a_few_per_cent_of_topics(bench: ModuleType) -> None:
    made = [bench.feed_body(n, 20) for n in range(200)]
    share = sum(topics for _body, topics in made) / (200 * 20)
    assert 0.02 <= share <= 0.06
    body, _topics = made[7]
    headers = {"content-type": "application/rss+xml"}
    url = "http://127.0.0.1:1/feed/7"
    parsed = parse_any_feed(body, headers, url)
    assert parsed == parse_with_feedparser(body, headers, url)
    assert len(parsed.items) == 20 and parsed.items[0].language == bench.LANGUAGES[7 % 5]
