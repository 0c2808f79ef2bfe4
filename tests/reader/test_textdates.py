"""Dates named in article text, in the languages and scripts news is written in."""

from __future__ import annotations

import pytest

from monitor.reader.textdates import days_apart, read_dates


@pytest.mark.parametrize(("text", "language", "dates"), [
    ("Blinken met Wang Yi on April 26, 2024 in Beijing", "en", {"20240426"}),
    ("SEOUL, Dec. 7 (Reuters) - Yoon survived", "en", {"1207"}),
    ("On Wednesday, January 15, Yoon was detained", "en", {"0115"}),
    ("В ночь на четверг, 20 июля, сотни иракских шиитов", "ru", {"0720"}),
    ("Am 19. Februar 2025 beschloss die EU", "de", {"20250219"}),
    ("destituyó este 14 de diciembre al presidente, tras el pasado 3 de diciembre", "es",
     {"1214", "1203"}),
    ("Le jeudi 20 juillet au petit matin", "fr", {"0720"}),
    ("arrestato il 15 gennaio il presidente", "it", {"0115"}),
    ("Neste sábado, 14 de dezembro de 2024,", "pt", {"20241214"}),
    ("اقتحم المحتجون السفارة في 20 يوليو", "ar", {"0720"}),
    ("اقتحم المحتجون السفارة في ٢٠ تموز ٢٠٢٣", "ar", {"20230720"}),  # Levantine, Arabic-Indic
    ("इराक में 20 जुलाई को", "hi", {"0720"}),
    ("19 กุมภาพันธ์ 2568", "th", {"20250219"}),  # the Buddhist era
    ("Yoon február 19-én", "hu", {"0219"}),
    ("Blinken saabus 26. aprillil Pekingisse", "et", {"0426"}),
    ("Tuluyan ng naaresto ngayong araw ng Miyerkules, Enero 15", "tl", {"0115"}),
    ("2025年2月19日，欧盟外交官说", "zh", {"20250219"}),
    ("当地时间12月3日晚,韩国总统", "zh", {"1203"}),
    ("공조본이 2025년 1월 15일 오전", "ko", {"20250115"}),
    ("ブリンケン国務長官は19日、2日間の日程で", "ja", {"19"}),  # the day alone, not a span
    ("오늘(4일) 국회 본회의를 통과했습니다", "ko", {"04"}),
    ("Sitzung am 2025-02-19 und am 24.02.", "de", {"20250219", "0224"}),
    ("Schüsse nahe des Konsulats – 05/09/2024 – Welt", "de", {"20240905"}),
])
def test_dates_are_read_in_each_language(text: str, language: str, dates: set[str]) -> None:
    assert read_dates(text, language) == dates


@pytest.mark.parametrize(("text", "language"), [
    ("Police said 20 may have died", "en"),  # the verb, not the month
    ("Turnout rose to 19.02 percent", "de"),  # a decimal figure
    ("05/09/2024", "en"),  # month first or day first: not told
    ("the 31 February", "en"),  # no such day
    ("Protesters stormed the embassy on Thursday", "en"),
])
def test_what_is_no_date(text: str, language: str) -> None:
    assert read_dates(text, language) == frozenset()


def test_a_month_is_read_in_the_articles_language() -> None:
    # Polish "listopad" is November, Croatian October.
    assert read_dates("1 listopada", "pl") == {"1101"}
    assert read_dates("1. listopada", "hr") == {"1001"}


def test_days_apart() -> None:
    assert days_apart("20241203", "20241214") == 11
    assert days_apart("1230", "0102") == 3  # over the new year, years unknown
    assert days_apart("20240426", "0426") == 0
    assert days_apart("03", "1214") == 11  # a day alone: days of the month, at least
    assert days_apart("28", "02") == 2


def test_the_committed_month_names_are_cldrs() -> None:
    pytest.importorskip("babel")
    from monitor.reader.monthnames import TARGET, generate

    assert TARGET.read_text(encoding="utf-8") == generate()
