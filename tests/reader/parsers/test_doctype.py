"""DOCTYPE stripping is one forward pass: the same result as declaration-by-declaration
stripping, without copying the rest of the document for each declaration."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.reader.parsers import feed
from monitor.reader.parsers.feed import strip_doctype


def _reference(head: bytes) -> bytes:
    """Declaration by declaration, as the definition (quadratic, small inputs only)."""
    out, rest = b"", head
    while True:
        m = re.search(rb"<!DOCTYPE", rest, re.IGNORECASE)
        comment = rest.find(b"<!--")
        if m is None:
            return out + rest
        if 0 <= comment < m.start():
            end = rest.find(b"-->", comment + 4)
            end = len(rest) if end < 0 else end + 3
            out, rest = out + rest[:end], rest[end:]
            continue
        i, depth, end = m.end(), 0, len(rest)
        while i < len(rest):
            c = rest[i:i + 1]
            if c == b"[":
                depth += 1
            elif c == b"]":
                depth = max(0, depth - 1)
            elif c == b">" and depth == 0:
                end = i + 1
                break
            i += 1
        out, rest = out + rest[:m.start()], rest[end:]


PIECES = [b"<!DOCTYPE x>", b"<!doctype y [", b"<!ENTITY a 'b'>", b"]>", b"<!--", b"-->",
          b"<!-- <!DOCTYPE c> -->", b"[", b"]", b">", b" ", b"\n", b"<?xml version='1.0'?>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_one_pass_strips_what_declaration_by_declaration_stripping_does(
        pieces: list[bytes]) -> None:
    head = b"".join(pieces)
    assert feed._strip(head) == _reference(head)
    assert strip_doctype(head + b"<rss/>") == _reference(head) + b"<rss/>"


class _Counting:
    """Stands in for the DOCTYPE pattern and records which text each search is given."""

    def __init__(self) -> None:
        self.texts: list[int] = []

    def search(self, text: bytes, pos: int = 0) -> Any:
        self.texts.append(id(text))
        return re.compile(rb"<!DOCTYPE", re.IGNORECASE).search(text, pos)


def test_each_declaration_is_found_in_the_one_document_not_in_a_copy_of_the_rest(
        monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _Counting()
    monkeypatch.setattr(feed, "_DOCTYPE", counting)
    head = b'<!DOCTYPE rss [<!ENTITY a "x">]>\n<!-- c -->' * 2000
    assert feed._strip(head) == b"\n<!-- c -->" * 2000
    # Searching a copy of the rest after each of the 2,000 declarations reads ~2,000² / 2
    # prologues; one document searched onward reads it once.
    assert len(set(counting.texts)) == 1
    assert len(counting.texts) <= 2 * 2000 + 1  # one per declaration and per comment


def test_five_megabytes_of_prologues_strip_quickly() -> None:
    head = b'<!DOCTYPE rss [<!ENTITY a "x">]><!-- c -->' * 120_000  # 5 MB
    started = time.process_time()
    out = strip_doctype(head + b"<rss/>")
    # Linear is well under a second; the quadratic version took 16 s for 480 KB.
    assert time.process_time() - started < 20
    assert out == b"<!-- c -->" * 120_000 + b"<rss/>"
