"""The stream precision script: its counts on a tiny real feed, and labels for the whole corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.eval_stream import evaluate, load_stream_labels, report
from bench.streamfeeds import feed_items, stream_feeds
from monitor.rules.matcher import Matcher
from tests.conftest import CORPUS, needs_corpus

SOURCES = """# feeds

| corpus path | source repo | path in repo | commit | license | outlet | lang | notes |
|---|---|---|---|---|---|---|---|
| news/wire.xml | a/b | `wire.xml` | 0 | MIT | Wire Service | en | rss20; 4 entries |
| news/spec.xml | a/b | `spec.xml` | 0 | MIT | (an example, not real Wire) | en | 1 entries |
| news/edge.xml | a/b | `edge.xml` | 0 | MIT |  |  | 1 entries |
| relay/wire.xml | c/d | `wire.xml` | 0 | MIT |  |  | 1 entries |
"""

ITEMS = [  # guid, title, body
    ("w1", "Union adopts sanctions", "The union adopted new sanctions on the regime today."),
    ("w2", "Football club sanctions", "The league imposed sanctions on a club for crowd trouble."),
    ("w3", "Embassy reopens", "The embassy reopened its doors after two years."),
    ("w4", "Harvest festival", "Villagers celebrated the harvest."),
]


def _rss(items: list[tuple[str, str, str]]) -> str:
    body = "".join(f"<item><guid>{g}</guid><title>{t}</title><link>https://wire.test/{g}</link>"
                   f"<description>{d}</description></item>" for g, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Wire</title><link>https://wire.test/</link><language>en</language>"
            f"{body}</channel></rss>")


def _label(key: str, expect: list[str]) -> str:
    topics = ["sanctions", "embassies"]
    return json.dumps({"key": key, "origin": "feeds/news/wire.xml", "language": "en",
                       "title": key, "expect": expect,
                       "expect_not": [t for t in topics if t not in expect], "note": "test"})


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    feeds, rules, evals = tmp_path / "feeds", tmp_path / "rules", tmp_path / "eval"
    (feeds / "news").mkdir(parents=True)
    (feeds / "SOURCES.md").write_text(SOURCES, encoding="utf-8")
    (feeds / "news" / "wire.xml").write_text(_rss(ITEMS), encoding="utf-8")
    (feeds / "news" / "spec.xml").write_text(_rss([("s1", "Sanctions", "sanctions")]), "utf-8")
    (feeds / "news" / "edge.xml").write_text(_rss([("e1", "Sanctions", "sanctions")]), "utf-8")
    # Another site carrying w1 word for word: one story, so one alert.
    (feeds / "relay").mkdir()
    (feeds / "relay" / "wire.xml").write_text(_rss([("r1", *ITEMS[0][1:])]), "utf-8")
    (feeds / "news" / "output.json").write_text('{"title": "expected output"}', "utf-8")
    (feeds / "news" / "page.html").write_text("<html><title>Sanctions</title></html>", "utf-8")
    rules.mkdir()
    (rules / "sanctions.yaml").write_text("id: sanctions\nname: Sanctions\nquery: sanctions\n",
                                          encoding="utf-8")
    (rules / "embassies.yaml").write_text("id: embassies\nname: Embassies\nquery: embassy\n",
                                          encoding="utf-8")
    (evals / "dev").mkdir(parents=True)
    # w1 right, w2 a false alarm, w3 unlabelled (its alert unjudged), w4 right to stay quiet;
    # a label for an item the feed no longer has is reported, not counted.
    (evals / "stream.jsonl").write_text("\n".join([
        _label("news/wire.xml w1", ["sanctions"]), _label("news/wire.xml w2", []),
        _label("news/wire.xml w4", []), _label("news/wire.xml gone", ["embassies"])]) + "\n",
        encoding="utf-8")
    corpus = [
        {"id": "en-001", "language": "en", "title": "Embassy attacked",
         "body": "Protesters attacked the embassy.", "url": "https://p.test/1", "origin": "pages",
         "expect": ["embassies"], "expect_not": ["sanctions"], "note": "attack on a mission"},
        {"id": "en-002", "language": "en", "title": "Ministers meet",
         "body": "The ministers discussed the asset freeze on the regime.",
         "url": "https://p.test/2", "origin": "pages",
         "expect": ["sanctions"], "expect_not": ["embassies"], "note": "asset freeze"},
    ]
    (evals / "dev" / "en.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in corpus), encoding="utf-8")
    return feeds, rules, evals


def test_placeholders_fake_content_and_unreadable_files_stay_out(tmp_path: Path) -> None:
    feeds, _rules, _evals = _setup(tmp_path)
    paths = stream_feeds(feeds, frozenset({"news/edge.xml"}))
    assert paths == ["news/output.json", "news/wire.xml", "relay/wire.xml"]
    keys = [item.key for item in feed_items(feeds, paths)]
    assert keys == [*(f"news/wire.xml w{n}" for n in range(1, 5)), "relay/wire.xml r1"]


def test_alerts_are_judged_by_the_labels_and_unlabelled_ones_stay_unjudged(
        tmp_path: Path) -> None:
    feeds, rules, evals = _setup(tmp_path)
    paths = stream_feeds(feeds, frozenset({"news/edge.xml"}))
    alone, both, stale = evaluate(Matcher.load(rules), feeds, evals, paths)

    assert (alone.items, alone.copies, both.items, both.copies) == (4, 1, 6, 1)
    assert alone.unlabelled == ["news/wire.xml w3"]
    assert stale == ["news/wire.xml gone"]
    # (right, false, unjudged, labelled positives)
    assert alone.counts("sanctions") == (1, 1, 0, 1)
    assert alone.counts("embassies") == (0, 0, 1, 0)
    assert [(e.key, e.rule) for e in alone.false] == [("news/wire.xml w2", "sanctions")]
    assert [(e.key, e.rule) for e in alone.unjudged] == [("news/wire.xml w3", "embassies")]
    assert both.counts("embassies") == (1, 0, 1, 1)
    assert both.counts("sanctions") == (1, 1, 0, 2)
    assert both.counts(None) == (2, 1, 1, 3)
    assert [(e.key, e.rule) for e in both.misses] == [("en-002", "sanctions")]

    lines = report(alone, both, stale, ["embassies", "sanctions"], show_errors=True)
    text = "\n".join(lines)
    overall = [line.split() for line in lines if line.startswith("overall")]
    # feeds alone: 3 alerts, 1 right, 1 false, 1 unjudged, precision 1/2
    assert overall[0][:6] == ["overall", "3", "1", "1", "1", "0.50"]
    assert overall[1][:6] == ["overall", "4", "2", "1", "1", "0.67"]
    assert "items without a label (unjudged): 1" in text
    assert "false alarms: 1\n  [sanctions] news/wire.xml w2" in text
    assert "misses: 1\n  [sanctions] en-002" in text


def test_a_missing_label_file_labels_nothing(tmp_path: Path) -> None:
    assert load_stream_labels(tmp_path / "stream.jsonl") == {}


@pytest.mark.slow
@needs_corpus(CORPUS / "feeds")
def test_every_item_of_the_corpus_stream_has_a_label() -> None:
    root = Path(__file__).resolve().parents[1]
    labels = load_stream_labels(root / "seeds" / "eval" / "stream.jsonl")
    keys = [item.key for item in feed_items(CORPUS / "feeds")]
    assert len(keys) == len(set(keys)) > 500
    assert [k for k in keys if k not in labels] == []
    assert sorted(set(labels) - set(keys)) == []
    for label, _title in labels.values():
        assert label.expect | label.expect_not == {"sanctions", "embassies", "negotiations"}
        assert not label.expect & label.expect_not
