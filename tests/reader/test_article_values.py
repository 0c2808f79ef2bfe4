"""What an article keeps of an item: http(s) links only, a title of a line, a bounded body."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.app import App
from monitor.config import Settings
from monitor.models import RawItem
from monitor.reader.article import MAX_BODY_CHARS, MAX_TITLE_CHARS, canonical_url, extract
from tests.apiclient import TOKEN, cycle, with_api

HOSTILE = ["javascript:alert(document.cookie)", "JavaScript:alert(1)", " data:text/html,<b>x",
           "file:///etc/passwd", "vbscript:msgbox", "http://", "//evil.example/x", "mailto:a@b"]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_http_links_are_kept(url: str) -> None:
    assert canonical_url(url) is None
    assert extract(RawItem(title="Embassy closed", content="Text.", url=url)).url is None


def test_http_links_stay_canonical() -> None:
    assert canonical_url("HTTPS://News.Example.org/a?utm_source=x&id=3#top") == \
        "https://news.example.org/a?id=3"


def test_titles_authors_and_bodies_are_capped() -> None:
    title = "Sanctions " * 900_000  # 9 MB, as a hostile feed sent
    a = extract(RawItem(title=title, content="body " * 10, author="x" * 100_000))
    assert len(a.title) <= MAX_TITLE_CHARS and a.title.startswith("Sanctions Sanctions")
    assert a.title.endswith("…") and a.author is not None and len(a.author) <= 200
    huge = extract(RawItem(title="t", content="word " * (MAX_BODY_CHARS // 5 + 1000)))
    assert len(huge.body) <= MAX_BODY_CHARS


def test_a_long_first_line_becomes_a_capped_title_and_stays_in_the_body() -> None:
    line = "embassy " * 1000
    a = extract(RawItem(title="", content=line))
    assert len(a.title) <= MAX_TITLE_CHARS and a.body == line.strip()


def test_a_hostile_folder_file_reaches_the_api_without_its_link_and_with_a_capped_title(
        settings: Settings, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    big_title = "Embassy " * 10_000  # 80 KB (front matter YAML is slow to read)
    (inbox / "a.md").write_text(f"---\ntitle: {big_title}\nurl: javascript:alert(1)\n---\n"
                                "The embassy closed on Monday.\n", "utf-8")

    async def scenario(client: httpx.AsyncClient, app: App) -> Any:
        await cycle(app)
        return (await client.get("/api/v1/articles")).json()["items"]

    [article] = with_api(replace(settings, seeds_dir=inbox, api_token=TOKEN), scenario)
    assert article["url"] is None
    assert len(article["title"]) <= MAX_TITLE_CHARS
