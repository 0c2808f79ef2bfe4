"""Where evidence points: a token's character offsets, found word by word or from the table of
every token (past a few words), and the snippet around a hit, whatever the whitespace."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.rules import document
from monitor.rules.analysis import spans
from monitor.rules.document import Document
from monitor.rules.evidence import snippet
from monitor.rules.files import make_rule
from monitor.rules.matcher import Matcher

# Enough distinct words that some articles cross to the table of every token.
WORDS = st.one_of(st.sampled_from(["embassy", "talks", "a", "Iran", "é", "中", "é\u0301t",
                                   "talks_2", "Ünï"]), st.integers(0, 60).map("w{}".format))
SEPARATORS = st.sampled_from([" ", "  ", ", ", ".\n", "\n\n", "-", "'", "«", "\t", "\u00a0", ""])
TEXTS = st.lists(st.tuples(WORDS, SEPARATORS), max_size=80).map(
    lambda parts: "".join(w + s for w, s in parts))
LEXICON = Matcher((make_rule("r", "embassy OR talks"),), "test").index("en").lexicon


@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS, st.randoms(use_true_random=False))
def test_char_span_is_the_token_span_by_either_route(title: str, body: str,
                                                     rng: random.Random) -> None:
    doc = Document(title, body, LEXICON)
    positions = [p for p in range(len(doc.words)) if p != doc.body_start - 1]
    rng.shuffle(positions)
    # In any order: the table of every body token is made after some words were found one by
    # one, and must then agree with them.
    expected = [*spans(doc.title), (-1, -1), *spans(doc.body)]
    assert {p: doc.char_span(p) for p in positions} == {p: expected[p] for p in positions}


def test_many_words_are_located_from_the_table_of_every_token() -> None:
    words = [f"w{i}" for i in range(3 * document._FIND_WORDS)]
    body = ". ".join(words) + "."
    doc = Document("Title", body, LEXICON)
    got = [doc.char_span(p) for p in range(doc.body_start, len(doc.words))]
    assert doc._body_starts is not None  # the str.find route stopped after a few words
    assert got == spans(body)
    assert [body[a:b] for a, b in got] == words


def _reference(text: str, start: int, end: int, width: int = 60) -> str:
    left, right = max(0, start - width), min(len(text), end + width)
    pre = ("…" if left else "") + text[left:start]
    post = text[end:right] + ("…" if right < len(text) else "")
    return " ".join(f"{pre}«{text[start:end]}»{post}".split())


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(" ab\n\t\r\u00a0\u2028\u3000\x1c\x85é«»…\x00"), max_size=200),
       st.integers(0, 200), st.integers(0, 20))
def test_snippet_collapses_whitespace_as_split_and_join(text: str, start: int,
                                                        length: int) -> None:
    start = min(start, len(text))
    end = min(start + length, len(text))
    assert snippet(text, start, end) == _reference(text, start, end)


def test_snippet_of_clean_text_is_taken_as_it_is() -> None:
    text = "word " * 40 + "embassy " + "word " * 40
    got = snippet(text.strip(), 200, 207)
    assert got == _reference(text.strip(), 200, 207)
    assert got.startswith("…") and "«embassy»" in got and got.endswith("…")


def test_told_of_many_tokens_the_document_makes_the_table_before_any_find() -> None:
    body = ". ".join(f"w{i}" for i in range(40)) + "."
    doc = Document("Title", body, LEXICON)
    few = Document("Title", body, LEXICON)
    doc.will_locate(set(range(doc.body_start, doc.body_start + 30)))
    few.will_locate({doc.body_start, doc.body_start + 1})
    assert doc._body_starts is not None and few._body_starts is None
    assert [doc.char_span(p) for p in range(doc.body_start, len(doc.words))] == spans(body)
    assert not doc._starts  # no word was looked for with str.find
