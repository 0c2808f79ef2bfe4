"""Markup left open at the end of an item (``<link <link …``, ``<a b='…``, ``<!-- …``) costs
one pass: HTML drops such a tail, and the standard parser, reading on to the end from each
``<`` of it, took quadratic time (8,000 of them: 9 s; the 40,000 of a 240 KB item: minutes of
a worker thread that the daemon's stop then waited for)."""

from __future__ import annotations

import time

import pytest

from monitor.models import RawItem
from monitor.reader.article import extract, html_to_text


@pytest.mark.parametrize("unit", ["<link ", "<a b='", "<!--", "</a "])
def test_an_unclosed_tail_costs_one_pass(unit: str) -> None:
    markup = "<p>The embassy closed on Monday.</p>" + unit * 8000
    started = time.process_time()
    _title, text, _links = html_to_text(markup)
    assert time.process_time() - started < 1.0
    assert text.strip() == "The embassy closed on Monday."


def test_a_feed_item_of_unclosed_link_tags_is_extracted_quickly() -> None:
    item = RawItem(title="Embassy closed", content="<p>The embassy closed.</p>" +
                   "<link " * 40_000, content_type="text/html")
    started = time.process_time()
    article = extract(item)
    assert time.process_time() - started < 2.0
    assert article.body == "The embassy closed."


def test_markup_that_closes_keeps_its_text() -> None:
    assert html_to_text("<p>a < b and c > d</p><p>e</p>")[1] == "\na < b and c > d\n\ne\n"
    assert html_to_text("<b>bold</b> tail")[1] == "bold tail"
    assert html_to_text("x < 3")[1] == "x < 3"  # a "<" that opens nothing is text
