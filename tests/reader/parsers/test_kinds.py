"""Kinds of sources: detection from content, news sitemaps, pages, JSON Feed; OPML in and out."""

from __future__ import annotations

import json
from pathlib import Path

import listparser

from monitor.reader.parsers import detect_kind
from monitor.reader.parsers.feed import parse_any_feed, strip_doctype
from monitor.reader.parsers.opml import parse_opml
from monitor.reader.parsers.sitemap import parse_sitemap
from monitor.testing import LoopbackServer, Reply
from tests.conftest import CLI, CORPUS, json_lines, needs_corpus

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
 <url><loc>http://127.0.0.1/world/embassy-reopens</loc>
  <news:news><news:publication><news:name>Loopback Times</news:name>
   <news:language>en</news:language></news:publication>
   <news:publication_date>2025-03-03T08:00:00+01:00</news:publication_date>
   <news:title>Embassy reopens in Kabul after three years</news:title>
   <news:keywords>embassy, Afghanistan</news:keywords></news:news></url>
 <url><loc>http://127.0.0.1/sport/match</loc><lastmod>2025-03-02</lastmod></url>
</urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{url}</loc><lastmod>2025-03-03</lastmod></sitemap></sitemapindex>"""
PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>Talks resume | Loopback Times</title>
<meta property="og:title" content="Ceasefire talks resume in Doha"></head><body>
<nav>Home World Sport</nav><article><h1>Ceasefire talks resume in Doha</h1>
<p>Negotiators from both sides met again in Doha on Monday to discuss a ceasefire, the
mediators said in a statement released after the first session of the new round.</p>
<p>Baca juga: Harga minyak naik tajam</p>
<p>The talks are expected to last several days and will focus on the exchange of prisoners
and the delivery of humanitarian aid to the areas most affected by the fighting.</p>
</article><footer>We use cookies to improve your experience. Accept cookies</footer>
</body></html>"""
JSON_FEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                        "items": [{"id": "1", "title": "Sanctions widened",
                                   "content_text": "New sanctions.",
                                   "date_published": "2025-03-03T08:00:00Z"}]}).encode()


def test_detect_kind_from_content() -> None:
    assert detect_kind(SITEMAP) == "sitemap"
    assert detect_kind(PAGE, "text/html; charset=utf-8") == "page"
    assert detect_kind(JSON_FEED) == "feed"
    assert detect_kind(b'<?xml version="1.0"?>\n<!-- c -->\n<feed xmlns="x">') == "feed"
    assert detect_kind(b"<rdf:RDF xmlns:rdf='x'>") == "feed"


def test_news_sitemap_items() -> None:
    items, children = parse_sitemap(SITEMAP)
    assert not children and len(items) == 2
    news = items[0]
    assert news.title == "Embassy reopens in Kabul after three years"
    assert news.language == "en" and news.published and news.published.hour == 7
    assert news.url == news.guid == "http://127.0.0.1/world/embassy-reopens"
    assert items[1].title == "" and items[1].published is not None  # kept, not dropped


def test_json_feed_and_doctype_stripping() -> None:
    parsed = parse_any_feed(JSON_FEED)
    assert [i.title for i in parsed.items] == ["Sanctions widened"]
    doc = b'<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment> -->\n<!DOCTYPE rss [\n' \
          b'<!ENTITY a "x">\n]>\n<rss version="2.0"></rss>'
    assert strip_doctype(doc) == \
        b'<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment> -->\n\n<rss version="2.0"></rss>'


def test_sources_added_without_kind_are_detected_at_first_poll(
        cli: CLI, server: LoopbackServer) -> None:
    server.route("/sitemap.xml", Reply(200, SITEMAP, {"content-type": "application/xml"}))
    server.route("/index.xml", Reply(200, INDEX.replace(b"{url}", server.url(
        "/sitemap.xml").encode()), {"content-type": "application/xml"}))
    server.route("/talks", Reply(200, PAGE, {"content-type": "text/html"}))
    for path in ("/index.xml", "/talks"):
        added = cli("sources", "add", server.url(path), "--label", "world")
        assert added.returncode == 0, added.stderr
    run = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert run.returncode == 0, run.stderr
    assert "ALERT [embassies] Embassy reopens in Kabul" in run.stdout
    assert "ALERT [negotiations] Ceasefire talks resume in Doha" in run.stdout
    assert "Harga minyak" not in run.stdout and "cookies" not in run.stdout
    listed = {s["url"]: s for s in json_lines(cli("sources", "list", "--json").stdout)}
    assert listed[server.url("/index.xml")]["kind"] == "sitemap"
    assert listed[server.url("/talks")]["kind"] == "page"
    assert listed[server.url("/talks")]["labels"] == ["world"]
    assert listed[server.url("/talks")]["articles"] == 1


def test_sources_add_refuses_private_addresses_by_default(cli: CLI) -> None:
    refused = cli("sources", "add", "http://10.0.0.7/feed", MONITOR_ALLOW_PRIVATE_NETWORKS="")
    assert refused.returncode == 2 and "non-public address" in refused.stderr


OPML_DIR = CORPUS / "opml"


@needs_corpus(OPML_DIR)
def test_every_opml_list_of_the_corpus_imports_like_listparser_or_better() -> None:
    suite = OPML_DIR / "listparser" / "tests" / "files"  # rdf/ holds FOAF, not OPML
    files = sorted(OPML_DIR.rglob("*.opml")) + sorted((suite / "opml").rglob("*.xml")) + \
        sorted((suite / "malformed").rglob("*.xml"))
    assert len(files) > 100
    total = 0
    for path in files:
        data = path.read_bytes()
        ours = {e.url for e in parse_opml(data).entries}
        theirs = {f.url for f in listparser.parse(data).feeds}
        total += len(ours)
        missing = theirs - ours
        assert not missing, f"{path.relative_to(OPML_DIR)}: missed {sorted(missing)[:3]}"
    assert total > 1000


@needs_corpus(OPML_DIR)
def test_malformed_opml_is_read_and_skips_are_explained() -> None:
    france = OPML_DIR / "awesome-rss-feeds" / "countries" / "with_category" / "France.opml"
    result = parse_opml(france.read_bytes())
    assert result.problems and "not well-formed" in result.problems[0]
    urls = {e.url for e in result.entries}
    assert "https://www.diplomatie.gouv.fr/spip.php?page=backend-fd&lang=en" in urls
    broken = parse_opml(b'<opml version="2.0"><body><outline text="Folder A">'
                        b'<outline text="x" xmlUrl="ftp://example.org/f"/>'
                        b'<outline text="y" xmlUrl="https://example.org/a.xml"/>'
                        b'<outline text="y" xmlUrl="https://example.org/a.xml"/>'
                        b'<outline text="z" type="rss"/>'
                        b'<outline text="list" type="source" xmlUrl="https://example.org/l"/>'
                        b"</outline></body></opml>")
    assert [(e.url, e.labels) for e in broken.entries] == [("https://example.org/a.xml",
                                                            ("folder-a",))]
    reasons = {why.split(" (")[0] for _what, why in broken.skipped}
    assert reasons == {"not an http(s) URL", "listed twice", "no xmlUrl attribute",
                       "a link to another subscription list"}


@needs_corpus(OPML_DIR)
def test_opml_import_then_export_round_trip(cli: CLI, tmp_path: Path) -> None:
    russia = OPML_DIR / "awesome-rss-feeds" / "countries" / "with_category" / "Russia.opml"
    imported = cli("sources", "import", str(russia), "--label", "ru",
                   MONITOR_ALLOW_PRIVATE_NETWORKS="*")
    assert imported.returncode == 0, imported.stderr
    assert "sources added" in imported.stdout
    n = int(imported.stdout.rsplit(": ", 1)[1].split()[0])
    assert n >= 5
    again = cli("sources", "import", str(russia), MONITOR_ALLOW_PRIVATE_NETWORKS="*")
    assert f"0 sources added, {n} already present" in again.stdout
    out = tmp_path / "out.opml"
    assert cli("sources", "export", str(out)).returncode == 0
    exported = parse_opml(out.read_bytes())
    assert len(exported.entries) == n and not exported.problems
    assert all("ru" in e.labels for e in exported.entries)
    stdout = cli("sources", "export")
    assert stdout.stdout.startswith("<?xml") and "xmlUrl" in stdout.stdout


def test_a_home_page_added_without_kind_leads_to_its_feed(cli: CLI,
                                                          server: LoopbackServer) -> None:
    home = (b'<!DOCTYPE html><html><head><title>Loopback Times</title>'
            b'<link rel="alternate" type="application/rss+xml" title="News" href="/rss.xml">'
            b"</head><body><p>Welcome to the front page.</p></body></html>")
    rss = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Times</title>'
           b"<item><title>Embassy closes in Niamey</title><guid>n-1</guid>"
           b"<description>The embassy closed on Friday.</description></item></channel></rss>")
    server.route("/", Reply(200, home, {"content-type": "text/html"}))
    server.route("/rss.xml", Reply(200, rss, {"content-type": "application/rss+xml"}))
    assert cli("sources", "add", server.url("/")).returncode == 0
    run = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert run.returncode == 0, run.stderr
    assert "ALERT [embassies] Embassy closes in Niamey" in run.stdout
    [source] = json_lines(cli("sources", "list", "--json").stdout)
    assert (source["url"], source["kind"]) == (server.url("/rss.xml"), "feed")


def _news_sitemap(entries: list[tuple[str, str, str]]) -> bytes:
    urls = "".join(
        f"<url><loc>{loc}</loc><news:news><news:publication><news:name>L</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{when}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news></url>" for loc, title, when in entries)
    return (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            + urls.encode() + b"</urlset>")


def test_new_sitemap_entries_are_read_from_their_pages_once(
        cli: CLI, server: LoopbackServer) -> None:
    # Only the page says what the story is about: the sitemap's titles name no topic.
    server.route("/talks", Reply(200, PAGE, {"content-type": "text/html"}))
    server.route("/gone", Reply(404, b"no such page"))
    server.route("/older", Reply(200, PAGE.replace(b"Doha", b"Oslo"),
                                 {"content-type": "text/html"}))
    server.route("/news.xml", Reply(200, _news_sitemap([
        (server.url("/talks"), "Monday briefing", "2025-03-03T09:00:00Z"),
        (server.url("/gone"), "Weekend briefing", "2025-03-03T08:00:00Z"),
        (server.url("/older"), "Sunday briefing", "2025-03-01T08:00:00Z"),
    ]), {"content-type": "application/xml"}))
    assert cli("sources", "add", server.url("/news.xml"), "--kind", "sitemap").returncode == 0
    env = {"MONITOR_SEEDS_DIR": "/nonexistent", "MONITOR_SITEMAP_PAGES": "2"}
    run = cli("run", "--once", **env)
    assert run.returncode == 0, run.stderr
    assert "ALERT [negotiations] Monday briefing" in run.stdout  # matched on the page's text
    assert "Baca juga" not in run.stdout and "cookies" not in run.stdout
    assert "Sunday briefing" not in run.stdout  # beyond the 2 newest: the title only
    assert len(server.received("/talks")) == 1 and len(server.received("/gone")) == 1
    assert not server.received("/older")
    [source] = json_lines(cli("sources", "list", "--json").stdout)
    assert source["articles"] == 3  # nothing lost: unread pages keep the sitemap's entry
    assert "/gone: page not read" in (source["last_error"] or "")
    assert "1 older new entries kept the sitemap's title only" in (source["last_error"] or "")
    again = cli("run", "--once", **env)
    assert again.returncode == 0 and "ALERT" not in again.stdout
    assert len(server.received("/talks")) == 1  # a known entry's page is not read again
