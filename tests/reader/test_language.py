"""Which language an article is matched in: declared by its feed, unless a sure detection
disagrees (a misdeclared feed must not silence every rule)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from monitor.models import RawItem
from monitor.reader.article import extract
from monitor.rules.matcher import Matcher
from tests.conftest import RULES

ENGLISH = ("Canada imposes sanctions on Belarusian officials. The government froze the assets "
           "of twenty people and banned exports of dual-use goods to Minsk.")
INDONESIAN = ("Kerajaan Malaysia mengumumkan sekatan baharu terhadap syarikat tersebut dan "
              "membekukan aset mereka di seluruh negara.")


def _item(title: str, body: str, language: str | None) -> RawItem:
    return RawItem(title=title, content=body, url="https://news.example/a", language=language)


def test_a_misdeclared_feed_is_matched_in_the_detected_language(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="monitor.reader"):
        article = extract(_item("Canada sanctions Belarus", ENGLISH, "kn"), source_id=7)
    assert article.language == "en"
    [record] = [r for r in caplog.records if r.getMessage() == "article.language.mismatch"]
    assert (record.source, record.declared, record.detected) == (7, "kn", "en")  # type: ignore[attr-defined]
    assert "sanctions" in {m.rule_id for m in Matcher.load(RULES).match(article)}


@pytest.mark.parametrize(("declared", "title", "body", "expected"), [
    ("en", "Canada sanctions Belarus", ENGLISH, "en"),  # agreement
    ("en-GB", "Canada sanctions Belarus", ENGLISH, "en"),  # region dropped
    ("fr", "Sanctions", "Sanctions.", "fr"),  # too little text to overrule the feed
    ("id", "Sekatan baharu", INDONESIAN, "id"),  # Malay and Indonesian: kin, the feed wins
    (None, "Canada sanctions Belarus", ENGLISH, "en"),  # undeclared: detected
])
def test_the_declared_language_stands_unless_a_sure_detection_disagrees(
        declared: str | None, title: str, body: str, expected: str,
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="monitor.reader"):
        assert extract(_item(title, body, declared)).language == expected
    assert not [r for r in caplog.records if r.getMessage() == "article.language.mismatch"]


def test_a_misdeclared_feed_has_every_item_checked_a_truthful_one_only_its_first() -> None:
    from monitor.reader.intake import LANGUAGE_SPOT_CHECKS, extract_items

    now = datetime.now(UTC)
    many = LANGUAGE_SPOT_CHECKS + 3
    english = [_item(f"Canada sanctions Belarus {n}", ENGLISH, "kn") for n in range(many)]
    got, _undated = extract_items(english, 1, (), now)
    assert [a.language for _i, a in got] == ["en"] * many
    # Believed after its first items agree: a later item in another language keeps the
    # declared one (the price of not running the detector on every item of every feed).
    french = ("La France a fermé son ambassade à Moscou et expulsé l'ambassadeur russe après "
              "une semaine de tensions diplomatiques entre les deux pays.")
    mixed = [_item(f"Canada sanctions Belarus {n}", ENGLISH, "en")
             for n in range(LANGUAGE_SPOT_CHECKS)] + [_item("Ambassade fermée", french, "en")]
    got, _undated = extract_items(mixed, 1, (), now)
    assert [a.language for _i, a in got] == ["en"] * (LANGUAGE_SPOT_CHECKS + 1)
    got, _undated = extract_items(mixed[-1:], 1, (), now)
    assert [a.language for _i, a in got] == ["fr"]
