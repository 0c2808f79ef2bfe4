"""Dates as linking evidence: reports naming days apart tell two events, a day in common
is a figure in common."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article
from monitor.reader.crossnames import link_terms
from monitor.reader.linking import links, strongest
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store
from monitor.store.records import PollArticle, TermHit


def best_link(item: PollArticle, by_term: dict[str, list[TermHit]], **given: Any) -> int | None:
    """The story the item joins (the index's choice among ``links``)."""
    return strongest(links(item, by_term, **given))

NOW = datetime(2024, 12, 14, 12, tzinfo=UTC)
NAMES = ["n:brsdn", "n:dnkrt", "n:ntnr", "n:snbr", "n:sbkr"]  # President, Democratic, ...
# An English report of a president's martial law, and German ones of the days after: the
# same actors and places, other events but for the one naming the next day.
MARTIAL_LAW = ("South Korea's Yoon Suk Yeol declares martial law",
               "On December 3, South Korean President Yoon Suk Yeol declared emergency martial "
               "law in Seoul, accusing the opposition Democratic Party of paralysing the "
               "government. Speaker Woo Won-shik called the National Assembly into session.")
IMPEACHMENT = ("Südkoreas Parlament enthebt Yoon Suk Yeol des Amtes",
               "Am 14. Dezember hat die Nationalversammlung in Seoul Präsident Yoon Suk Yeol "
               "des Amtes enthoben. Parlamentspräsident Woo Won-shik verkündete das Ergebnis; "
               "die Demokratische Partei hatte den Antrag eingebracht.")
LIFTED = ("Yoon Suk Yeol hebt das Kriegsrecht auf",
          "Am 4. Dezember hob Präsident Yoon Suk Yeol in Seoul das Kriegsrecht wieder auf, "
          "nachdem Parlamentspräsident Woo Won-shik die Nationalversammlung einberufen und die "
          "Demokratische Partei dagegen gestimmt hatte.")


def _article(guid: str, title: str, body: str, language: str) -> Article:
    digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    return Article(title=title, body=body, url=f"http://127.0.0.1/{guid}", guid=guid,
                   language=language, published=NOW, content_hash=digest)


def _stories(store: Store, week: int, *articles: Article) -> list[int]:
    """The story each article joins, saved one poll each (a week apart from the other
    calls': out of each other's reach)."""
    for n, article in enumerate(articles):
        now = NOW + timedelta(weeks=week, minutes=n)
        source = store.add_source("feed", f"http://127.0.0.1/{week}/{n}", interval=60, now=now)
        assert source.id
        plan = plan_poll([(article, ())], targets=[], route=choose, payload=alert_payload,
                         since=now - timedelta(days=1), link_since=now - timedelta(hours=48))
        store.save_poll(source.id, PollOutcome("ok", now), plan, now=now)
    with store.engine.connect() as conn:
        rows: dict[str, int] = {str(guid): int(story) for guid, story in conn.execute(
            text("SELECT guid, story_id FROM articles"))}
    return [rows[str(a.guid)] for a in articles]


def _undated(article: Article) -> Article:
    body = article.body.replace("On December 3, ", "").replace("Am 14. Dezember ", "")
    return _article(f"{article.guid}-undated", article.title, body, article.language or "")


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_reports_naming_days_apart_are_two_stories(db_url: str) -> None:
    store = Store.open(db_url)
    english = _article("en", *MARTIAL_LAW, "en")
    german = _article("de", *IMPEACHMENT, "de")
    # Told without their days, the two read as one event: the names are all alike.
    first, second = _stories(store, 0, _undated(english), _undated(german))
    assert first == second
    first, second = _stories(store, 1, english, german)
    assert first != second
    # The next day's report is within reach of the first's.
    again = _article("en-2", MARTIAL_LAW[0], f"{MARTIAL_LAW[1]} (Updated)", "en")
    first, second = _stories(store, 2, again, _article("de-4", *LIFTED, "de"))
    assert first == second
    store.close()


def _item(dates: tuple[str, ...]) -> PollArticle:
    return PollArticle(Article(title="t", body="b", language="de"), terms=tuple(NAMES),
                       dates=dates)


def _hits(*members: tuple[int, str]) -> dict[str, list[TermHit]]:
    """Story 5's members (article, its dates) found by all of NAMES."""
    return {t: [(5, article, "en", len(NAMES), 0, dates) for article, dates in members]
            for t in NAMES}


def test_a_story_naming_other_days_is_no_candidate() -> None:
    assert best_link(_item(()), _hits((50, "1203"))) == 5  # the item names no day
    assert best_link(_item(("1214",)), _hits((50, ""))) == 5  # the story names none
    assert best_link(_item(("1214",)), _hits((50, "1203"))) is None
    assert best_link(_item(("1204",)), _hits((50, "1203"))) == 5  # within the gap
    assert best_link(_item(("20241214",)), _hits((50, "1203 0115"))) is None
    # A story is judged by all its members' days: an undated member sharing as much does not
    # carry the item into a story whose dated member tells another day.
    assert best_link(_item(("1214",)), _hits((50, ""), (51, "1203"))) is None
    assert best_link(_item(("1214",)), _hits((50, "1214"), (51, "1203"))) == 5


def test_a_day_in_common_is_a_figure_in_common() -> None:
    terms = link_terms("EU agrees sanctions", "The EU agreed on it.", dates=("20250219",))
    assert "f:d0219" in terms
