"""The pages an article cites: two reports citing the same statement are one story, in any
language, through ``monitor run`` on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from monitor.models import RawItem
from monitor.reader.article import canonical_url, extract
from monitor.reader.citations import cited
from monitor.reader.crossnames import LINK, link_terms
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI, json_lines

STATEMENT = "https://home.treasury.example/news/press-releases/sb0123"


def test_only_other_sites_pages_are_citations() -> None:
    hrefs = ["/world/2025/other-story", "https://news.example/tag/sanctions",  # its own site
             "https://www.facebook.com/sharer/sharer.php?u=x", "https://x.example/",  # share,
             f"{STATEMENT}?utm_source=newsletter", STATEMENT,  # home; one page, twice
             "javascript:void(0)", "https://ofac.example/recent-actions/20250214"]
    assert cited(hrefs, "https://www.news.example/world/story", canonical_url) == (
        STATEMENT, "https://ofac.example/recent-actions/20250214")


def test_a_link_that_is_no_address_is_skipped_not_the_item() -> None:
    hrefs = ["http://[oops/x", "https://gov.example/statement/42"]
    assert cited(hrefs, "https://news.example/story", canonical_url) == (
        "https://gov.example/statement/42",)


def test_the_text_links_are_read_and_the_page_chrome_is_not() -> None:
    html = (f'<header><a href="https://apps.example/get-our-app">App</a></header>'
            f'<nav><a href="https://partner.example/a">Partner</a></nav>'
            f'<p>The Treasury <a href="{STATEMENT}?utm_medium=x">said</a> on Friday.</p>'
            f'<footer><a href="https://owner.example/about">Owner</a></footer>')
    article = extract(RawItem(title="Sanctions", content=html, content_type="text/html",
                              url="https://news.example/story"), check_language=False)
    assert article.links == (STATEMENT,)
    assert "The Treasury said on Friday." in article.body
    terms = link_terms(article.title, article.body, links=article.links)
    # The key is the address's hash, stable across runs and machines (the index keeps it).
    assert [t for t in terms if t.startswith(LINK)] == [LINK + "76fc0ae0e028d897"]


# One event in two languages whose texts share one name (Sovcomflot) and nothing else the
# term index reads: too little on names alone; the statement both cite tells it.
EN = ("US Treasury sanctions shipping firms over oil trade",
      "The US Treasury on Friday imposed sanctions on two shipping companies it accused of "
      "moving Russian oil above the price cap, and on tankers managed by Sovcomflot, the "
      "state-owned shipping group, according to a statement published by the department.")
RU = ("Минфин США ввел санкции против судоходных компаний",
      "Министерство финансов США в пятницу ввело санкции против двух судоходных компаний, "
      "которых оно обвиняет в перевозке российской нефти выше ценового потолка, а также "
      "против танкеров под управлением Совкомфлота, говорится в заявлении ведомства.")


def _feed(guid: str, language: str, title: str, body: str, *cites: str | None) -> bytes:
    link = "".join(f' &lt;a href="{c}"&gt;Statement&lt;/a&gt;' for c in cites if c)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{guid} news</title><language>{language}</language><item>"
            f"<title>{title}</title><guid>{guid}</guid><link>http://127.0.0.1/{guid}</link>"
            f"<description>&lt;p&gt;{body}{link}&lt;/p&gt;</description></item>"
            "</channel></rss>").encode()


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
@pytest.mark.parametrize("cites", [STATEMENT, None], ids=["citing", "not-citing"])
def test_reports_citing_one_statement_are_one_story(cli: CLI, server: LoopbackServer,
                                                    cites: str | None) -> None:
    server.route("/en", Reply(200, _feed("en-1", "en", *EN, cites)))
    server.route("/ru", Reply(200, _feed("ru-1", "ru", *RU, cites)))
    for path in ("/en", "/ru"):  # one after the other: the second finds the first stored
        assert cli("sources", "add", server.url(path), "--kind", "feed").returncode == 0
        ran = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
        assert ran.returncode == 0, ran.stderr
    stories = json_lines(cli("stories", "list", "--json").stdout)
    languages = sorted(sorted(s["languages"]) for s in stories)
    assert languages == ([["en", "ru"]] if cites else [["en"], ["ru"]])


# The same event told citing the designation notice instead, naming Sovcomflot too: nothing
# but that one name in common with the English report, so a story of its own.
OFAC = "https://ofac.example/recent-actions/20250110"
FR = ("Le Trésor américain sanctionne des armateurs",
      "Le Trésor américain a sanctionné vendredi deux compagnies maritimes et des pétroliers "
      "gérés par Sovcomflot, selon l'avis publié par l'administration.")


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_a_report_citing_both_statements_merges_two_stories(cli: CLI,
                                                            server: LoopbackServer) -> None:
    server.route("/en", Reply(200, _feed("en-1", "en", *EN, STATEMENT)))
    server.route("/fr", Reply(200, _feed("fr-1", "fr", *FR, OFAC)))
    server.route("/ru", Reply(200, _feed("ru-1", "ru", *RU, STATEMENT, OFAC)))
    lists, logs = [], []
    for path in ("/en", "/fr", "/ru"):
        assert cli("sources", "add", server.url(path), "--kind", "feed").returncode == 0
        ran = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
        assert ran.returncode == 0, ran.stderr
        lists.append(json_lines(cli("stories", "list", "--json").stdout))
        logs.append(ran.stderr)
    assert sorted(sorted(s["languages"]) for s in lists[1]) == [["en"], ["fr"]]
    # The Russian report cites both pages and names Sovcomflot: the two stories are one, the
    # older (the English report's) keeping its id.
    [story] = lists[2]
    assert sorted(story["languages"]) == ["en", "fr", "ru"] and story["articles"] == 3
    assert story["id"] == min(s["id"] for s in lists[1])
    shown = cli("stories", "show", str(story["id"]), "--json")
    assert shown.returncode == 0 and {m["language"] for m in json_lines(shown.stdout)[0][
        "members"]} == {"en", "fr", "ru"}
    # The French story's id, named by the alert already sent for it, leads to the story kept.
    absorbed = max(s["id"] for s in lists[1])
    assert [m["story"] for m in story["merged"]] == [absorbed]
    assert "story.merged" in logs[2] and "story.merged" not in logs[1]
    moved = cli("stories", "show", str(absorbed), "--json")
    assert moved.returncode == 0
    assert f"story {absorbed} was merged into story {story['id']}" in moved.stderr
    assert json_lines(moved.stdout)[0]["id"] == story["id"]
