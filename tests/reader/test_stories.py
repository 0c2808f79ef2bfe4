"""One story once: syndicated copies cluster into a story, alert once, list "also reported by"."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Evidence, Match
from monitor.reader import simhash as dedupe
from monitor.reader.simhash import MAX_DISTANCE, bands, distance, text_simhash
from monitor.reader.stories import copy_of, plan_poll, plan_stories, poll_article
from monitor.store import PollOutcome, Store
from monitor.store.records import PollArticle, StoryCandidates
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI
from tests.pollhelp import alert_once_then_copies, save_found

NOW = datetime(2025, 1, 1, tzinfo=UTC)
STORY = (
    "The European Union agreed on Tuesday to extend its sanctions against Russia for another "
    "six months, diplomats said after a meeting of ambassadors in Brussels. The measures, first "
    "imposed in 2014, target the financial, energy and defence sectors and restrict access to "
    "European capital markets for state-owned banks. Hungary had threatened to block the renewal "
    "but dropped its objections after talks with the Commission about energy supplies and a "
    "guarantee for its nuclear power project. Foreign ministers are expected to formally approve "
    "the decision at their next meeting, and the extension will then be published in the "
    "Official Journal. Officials also discussed a new package of measures aimed at closing "
    "loopholes that allow sanctioned goods to reach Russia through third countries, including "
    "Central Asian states and the Caucasus.")
COPY = "BRUSSELS (Wire) - " + STORY + " Subscribe to our newsletter for more."
OTHER = ("The local football club won its third match in a row on Sunday, with two late goals "
         "from the captain securing the points in front of a sold-out crowd at the stadium, "
         "and the coach praised the defence after a difficult first half against the leaders.")


def _rss(title: str, guid: str, link: str, body: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{guid} news</title>'
            f"<item><title>{title}</title><guid>{guid}</guid><link>{link}</link>"
            f"<description>{body}</description></item></channel></rss>").encode()


def test_simhash_finds_near_duplicates_and_separates_other_stories() -> None:
    a = text_simhash("EU extends Russia sanctions", STORY)
    b = text_simhash("EU extends sanctions against Russia", COPY)
    c = text_simhash("Football", OTHER)
    assert a is not None and b is not None and c is not None
    assert distance(a, b) <= MAX_DISTANCE and set(enumerate(bands(a))) & set(enumerate(bands(b)))
    assert distance(a, c) > 20
    assert text_simhash("Short", "too short to compare") is None


def _reference_simhash(features: list[str]) -> int:
    """SimHash spelled out: bit i is set where most features' 64-bit hashes set it."""
    hashes = [int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "big")
              for f in features]
    return sum(1 << i for i in range(64)
               if 2 * sum(h >> i & 1 for h in hashes) > len(hashes))


def test_simhash_and_shingles_agree_with_their_plain_definitions() -> None:
    rng = random.Random(7)
    words = ["Sanktionen", "l'ambassade", "anti-war", "négociations", "peace", "talks", "Rusia",
             "переговоры", "东京", "word", "über-alles", "it’s", "a", "abc", "abcd"]
    for n in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        feats = dedupe.shingles(text)
        plain = list(dict.fromkeys(w for w in dedupe._WORD.findall(dedupe.normalise(text))
                                   if len(w) >= 4))
        assert feats == plain, text
        assert dedupe.simhash(feats) == _reference_simhash(feats)
        assert dedupe.simhash(feats * (n % 3 + 1)) == _reference_simhash(feats * (n % 3 + 1))
    many = [f"w{i}" for i in range(70_000)]  # more than a packed count holds: the other path
    assert dedupe.simhash(many) == _reference_simhash(many)


def test_a_story_alerts_once_across_sources_and_restarts(cli: CLI,
                                                         server: LoopbackServer) -> None:
    server.route("/a", Reply(200, _rss("EU extends Russia sanctions", "a-1",
                                       "http://127.0.0.1/a/1?utm_source=x", STORY)))
    server.route("/b", Reply(200, _rss("EU extends sanctions against Russia", "b-1",
                                       "http://127.0.0.1/b/1", COPY)))
    server.route("/c", Reply(200, _rss("EU extends sanctions on Russia", "c-1",
                                       "http://127.0.0.1/a/1?utm_campaign=y", "Short text.")))
    alert_once_then_copies(cli, server)
    alerts = [json.loads(line) for line in cli("alerts", "list", "--json").stdout.splitlines()]
    sanctions = [a for a in alerts if a["rule"] == "sanctions"]
    assert len(sanctions) == 1
    also = sanctions[0]["also_reported_by"]
    assert {c["url"] for c in also} == {"http://127.0.0.1/b/1", "http://127.0.0.1/a/1"}
    assert "also reported by b-1 news" in cli("alerts", "list").stdout


def test_per_story_alerting_can_be_switched_off(cli: CLI, server: LoopbackServer) -> None:
    server.route("/a", Reply(200, _rss("EU extends Russia sanctions", "a-1",
                                       "http://127.0.0.1/a/1", STORY)))
    server.route("/b", Reply(200, _rss("EU extends sanctions against Russia", "b-1",
                                       "http://127.0.0.1/b/1", COPY)))
    for path in ("/a", "/b"):
        assert cli("sources", "add", server.url(path), "--kind", "feed").returncode == 0
    run = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent", MONITOR_ALERT_PER_STORY="false")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("ALERT [sanctions]") == 2


def _article(guid: str, body: str, url: str | None = None) -> Article:
    from monitor.reader.article import content_hash

    return Article(title="EU extends Russia sanctions", body=body, guid=guid, url=url,
                   content_hash=content_hash("EU extends Russia sanctions", body))


def _match() -> Match:
    return Match("sanctions", "Sanctions", 1.0,
                 (Evidence("sanctions", "body", 0, 9, "sanctions", "«sanctions»"),))


def test_store_clusters_within_a_poll_and_outside_the_window(db_url: str) -> None:
    store = Store.open(db_url)
    a = store.add_source("feed", "http://127.0.0.1/a", interval=60, now=NOW)
    b = store.add_source("feed", "http://127.0.0.1/b", interval=60, now=NOW)
    assert a.id is not None and b.id is not None
    out = PollOutcome("ok", NOW + timedelta(minutes=1))
    first = save_found(store, a.id, out, [(_article("1", STORY), [_match()]),
                                          (_article("2", COPY), [_match()])],
                       targets=["t"], now=NOW)
    assert len(first) == 1  # the copy in the same poll joined the story at once
    later = NOW + timedelta(days=30)  # outside the window the band index is not consulted
    again = save_found(store, b.id, out, [(_article("3", COPY + " Updated."), [_match()])],
                       targets=["t"], now=later)
    assert len(again) == 1
    copies = store.alert_copies([first[0].alert_id])
    assert [c.title for c in copies[first[0].alert_id]] == ["EU extends Russia sanctions"]
    store.close()


@pytest.mark.backends
def test_one_sources_items_sharing_a_link_are_stories_of_their_own(db_url: str) -> None:
    """A podcast links every episode to its home page, a microblog every post to its page of
    the day: one source's items under one link are items of their own, each alerting. The
    same link from another source is the page syndicated: a copy."""
    store = Store.open(db_url)
    show, other = (store.add_source("feed", f"http://127.0.0.1/{n}", interval=60, now=NOW)
                   for n in ("show", "other"))
    assert show.id is not None and other.id is not None
    link = "http://127.0.0.1/show/home"
    third = ("A parliamentary committee questioned the central bank governor for three hours "
             "about inflation, wages and the housing market, and asked for a written report "
             "on mortgage rates before the summer recess of the assembly.")

    def poll(source: int, found: list[tuple[str, str]], minutes: int) -> int:
        when = NOW + timedelta(minutes=minutes)
        return len(save_found(store, source, PollOutcome("ok", when),
                              [(_article(guid, body, link), [_match()]) for guid, body in found],
                              targets=["t"], now=when))
    assert poll(show.id, [("e1", STORY), ("e2", OTHER)], 0) == 2  # one poll, two episodes
    assert poll(show.id, [("e3", third)], 5) == 1  # a later poll of the same source
    # The page elsewhere, under another excerpt: its story (the first item's under the link).
    assert poll(other.id, [("s1", "Listen to this week's episode on our partner site.")], 9) == 0
    store.close()


def test_the_story_plan_is_a_pure_function_of_the_candidates() -> None:
    """No database: stored candidates in, per article the story it joins out."""
    stored = text_simhash("EU extends Russia sanctions", STORY)
    assert stored is not None
    candidates = StoryCandidates(
        by_hash={"h-known": 7}, by_url={"http://127.0.0.1/known": 9},
        by_band={(band, value): [(11, stored, None)] for band, value in enumerate(bands(stored))})
    before = (dict(candidates.by_hash), dict(candidates.by_url),
              {k: list(v) for k, v in candidates.by_band.items()})

    def item(guid: str, body: str, *, url: str | None = None,
             chash: str | None = None) -> PollArticle:
        article = _article(guid, body, url)
        if chash is not None:
            article = replace(article, content_hash=chash)
        return poll_article(article, [], targets=[], route=choose, per_story=lambda _r: True)

    items = [item("1", "Unrelated words.", chash="h-known"),  # same content as stored
             item("2", "Other words entirely.", url="http://127.0.0.1/known"),  # same URL
             item("3", COPY),  # a near-duplicate of the stored story
             item("4", OTHER),  # new: a story of its own
             item("5", OTHER + " Updated at noon."),  # near-duplicate of article 3 (index)
             item("6", "Too short."),  # no SimHash: only exact keys could join it
             item("7", "Too short.")]  # same content as article 5 of this poll
    assert plan_stories(items, candidates).joins == [7, 9, 11, -4, -4, -6, -6]
    assert (candidates.by_hash, candidates.by_url, candidates.by_band) == before  # unchanged
    assert plan_stories([item("8", OTHER)], candidates).joins == [-1]
    copy = item("9", COPY)
    assert copy.simhash is not None
    far = copy.simhash ^ (0xFFFF << 16)  # three bands in common, but 16 bits away
    distant = StoryCandidates({}, {}, {(b, v): [(13, far, None)] for b, v in enumerate(bands(far))})
    assert plan_stories([copy], distant).joins == [-1]


def test_a_plan_routes_matches_and_alerts_a_story_once_only_when_asked() -> None:
    everywhere = _match()
    audit_only = replace(_match(), rule_id="audit", notify=("audit",))
    plan = plan_poll([(_article("1", STORY), [everywhere, audit_only])],
                     targets=["chat", "audit"], route=choose, payload=alert_payload,
                     since=NOW - timedelta(days=7), per_story=lambda rule: rule != "audit")
    [article] = plan.articles
    assert [(a.match.rule_id, a.targets, a.once_per_story) for a in article.alerts] == [
        ("sanctions", ("chat", "audit"), True), ("audit", ("audit",), False)]
    assert article.simhash == text_simhash(article.article.title, article.article.body)
    assert article.bands == tuple(bands(article.simhash or 0))
    assert plan.stories(StoryCandidates({}, {}, {})).joins == [-1]
    once, every = article.alerts
    assert (copy_of(once, 41), copy_of(once, None), copy_of(every, 41)) == (41, None, None)
    body = plan.payload(everywhere, article.article, 5, "Wire", NOW)
    assert body["data"]["article"]["id"] == 5 and body["data"]["rule"]["id"] == "sanctions"
