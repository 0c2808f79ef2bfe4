"""In-process tests of what each console page shows: the inbox's order, its filters as the URL
gives them and each alert's link; the sources' health table and adding a feed by URL; queue
counts and an open circuit breaker; every POST form's CSRF token; logging out."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
from markupsafe import escape
from sqlalchemy import insert, update
from sqlmodel import col, select

from monitor.app import App
from monitor.store.tables import AlertRow, ArticleRow, DeliveryRow
from monitor.testing import LoopbackServer, Reply
from tests.web.consolehelp import log_in, settings_for, with_console

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback Wire</title>'
       b'<link>http://example.org/</link><description>d</description><item>'
       b'<title>Embargo talks</title><link>http://example.org/1</link><guid>1</guid></item>'
       b'</channel></rss>')


def _shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="alert-(\d+)"', html)]


def _stored(app: App) -> list[tuple[AlertRow, ArticleRow]]:
    """Alerts and their articles as stored, newest first (read here, not through the inbox)."""
    with app.store.session() as s:
        return [(a, art) for a, art in s.exec(
            select(AlertRow, ArticleRow).join(ArticleRow, col(ArticleRow.id) ==
                                              col(AlertRow.article_id))
            .order_by(col(AlertRow.id).desc())).all()]


def test_inbox_order_filters_from_the_url_and_title_links(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        stored = _stored(app)
        every = [a.id for a, _ in stored]
        html = (await c.get("/")).text
        assert len(every) >= 3 and _shown(html) == every  # newest first
        assert any(art.url is None for _, art in stored) and 'href="#"' not in html
        for a, art in stored:
            link = re.search(rf'id="alert-{a.id}".*?<h2>(.*?)</h2>', html, re.S)
            # A text file of the seeds without url: in its front matter has none to link to:
            # its title is shown, not a link that leads nowhere.
            assert link and link.group(1) == (
                f'<a href="{escape(art.url)}" rel="noopener noreferrer" target="_blank" '
                f'class="title">{escape(art.title)}</a>' if art.url
                else f'<span class="title">{escape(art.title)}</span>'), a.id
            item = html[html.index(f'id="alert-{a.id}"'):]
            item = item[:item.index("</li>\n\n") if "</li>\n\n" in item else len(item)]
            meta = item[item.index('class="meta"'):item.index("</p>")]
            assert f"Sample articles · {art.language} · published " in meta
            assert art.published and f"{art.published:%Y-%m-%d %H:%M} UTC" in meta
            # The first line of evidence is the topic's: its term marked there.
            topic = next(e for e in json.loads(a.evidence) if e["role"] == "topic")
            first = re.search(r'<ul class="evidence"><li>(.*?)</li>', item, re.S)
            assert first and f"<mark>{escape(topic['text']).lower()}</mark>" in \
                first.group(1).lower(), (topic, first and first.group(1))
        severity = {r.id: r.severity for r in app.matcher.rules}
        for level in set(severity.values()):
            want = [a.id for a, _ in stored if severity[a.rule_id] == level]
            assert _shown((await c.get(f"/?severity={level}")).text) == want, level
        assert _shown((await c.get("/?severity=none-such")).text) == []
        for language in {art.language for _, art in stored}:
            want = [a.id for a, art in stored if art.language == language]
            assert _shown((await c.get(f"/?language={language}")).text) == want, language
        oldest = every[-1]
        with app.store.session() as s:  # the oldest alert made two days ago
            s.execute(update(AlertRow).where(col(AlertRow.id) == oldest)
                      .values(created_at=app.clock() - timedelta(days=2)))
        assert _shown((await c.get("/?since=24h")).text) == every[:-1]
        assert _shown((await c.get("/?since=7d")).text) == every
        source = stored[0][1].source_id
        assert f'<option value="{source}">Sample articles</option>' in html
        assert _shown((await c.get(f"/?source={source}")).text) == every  # the one source
        assert _shown((await c.get(f"/?source={source + 99}")).text) == []

    with_console(settings_for(tmp_path), scenario)


def test_sources_table_and_adding_a_feed_by_url(tmp_path: Path, server: LoopbackServer) -> None:
    server.route("/feed.xml", Reply(200, RSS, {"content-type": "application/rss+xml"}))

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        html = (await c.get("/sources")).text
        for column in ("Status", "Last poll", "Next poll", "Error", "Articles", "Interval"):
            assert f'<th scope="col">{column}</th>' in html
        row = html[html.index('id="source-'):]
        with app.store.session() as s:
            articles = len(s.exec(select(ArticleRow.id)).all())
        assert articles and f'data-label="Articles">{articles}<' in row
        assert 'data-label="Interval">15 min<' in row
        assert re.search(r'data-label="Last poll">\d{4}-\d\d-\d\d \d\d:\d\d UTC<', row)
        assert re.search(r'data-label="Next poll">\d{4}-\d\d-\d\d \d\d:\d\d UTC<', row)
        assert '<span class="badge ok">ok</span>' in row
        r = await c.post("/sources", data={"csrf": csrf, "url": server.url("/feed.xml")})
        assert r.status_code == 200 and f"added {server.url('/feed.xml')}" in r.text
        assert server.url("/feed.xml") in {s.source.url for s in app.store.list_sources()}
        assert len(re.findall(r'id="source-\d+"', r.text)) == 2
        r = await c.post("/sources", data={"csrf": csrf, "url": server.url("/feed.xml")})
        assert "was already there" in r.text

    with_console(settings_for(tmp_path), scenario)


def test_deliveries_show_queue_counts_and_an_open_circuit_breaker(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        ids = [d.id for d in app.store.deliveries()]
        assert len(ids) >= 3
        with app.store.session() as s:
            s.execute(update(DeliveryRow).where(col(DeliveryRow.id) == ids[0])
                      .values(status="dead", last_error="HTTP 500"))
        html = (await c.get("/deliveries")).text
        assert '<td data-label="Pending">' + str(len(ids) - 1) + "</td>" in html
        assert '<td data-label="Dead">1</td>' in html
        assert "closed" in html and "open (" not in html
        lane = app.deliverer.lanes["default"]
        for _ in range(lane.breaker.threshold):
            lane.breaker.record(False)  # as a failing receiver's answers do
        html = (await c.get("/deliveries")).text
        assert f"open ({lane.breaker.threshold} failures in a row)" in html

    with_console(settings_for(tmp_path, webhook_url="http://127.0.0.1:9/hook"), scenario)


def test_every_post_form_carries_the_csrf_token_and_logout_needs_it(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        with app.store.session() as s:
            s.execute(update(DeliveryRow).values(status="dead"))
        seen = 0
        for path in ("/", "/rules", "/rules/edit?id=sanctions", "/sources", "/stories",
                     "/deliveries"):
            html = (await c.get(path)).text
            for form in re.findall(r'<form method="post".*?</form>', html, re.S):
                seen += 1
                assert f'name="csrf" value="{csrf}"' in form, (path, form[:200])
        assert seen >= 10
        assert (await c.post("/logout")).status_code == 403
        r = await c.post("/logout", data={"csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert 'monitor_session=""' in r.headers["set-cookie"]
        c.cookies.clear()
        assert (await c.get("/")).status_code == 303
        # The old token does not outlive the session it belonged to.
        assert (await c.post("/sources", data={"csrf": csrf, "url": "x"})).status_code == 403

    with_console(settings_for(tmp_path, webhook_url="http://127.0.0.1:9/hook"), scenario)


def test_older_alerts_page_by_page_keeping_the_filters(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        await log_in(c)
        with app.store.session() as s:  # 60 more alerts of the rule, each on an article
            model = s.exec(select(AlertRow).where(col(AlertRow.rule_id) == "sanctions")).first()
            assert model is not None
            article = s.get(ArticleRow, model.article_id)
            assert article is not None
            s.execute(insert(ArticleRow), [{
                "source_id": article.source_id, "dedupe_key": f"copy{n}", "title": f"Copy {n}",
                "body": article.body, "language": article.language, "fetched_at":
                article.fetched_at, "content_hash": f"{n:064x}"} for n in range(60)])
            copies = s.exec(select(ArticleRow.id).where(
                col(ArticleRow.dedupe_key).startswith("copy"))).all()
            s.execute(insert(AlertRow), [{
                "rule_id": "sanctions", "rule_name": model.rule_name, "article_id": a,
                "score": 1.0, "evidence": model.evidence, "payload": model.payload,
                "created_at": model.created_at} for a in copies])
        with app.store.session() as s:
            want = list(s.exec(select(AlertRow.id).where(col(AlertRow.rule_id) == "sanctions")
                               .order_by(col(AlertRow.id).desc())).all())
        seen: list[int] = []
        path: str | None = "/?rule=sanctions&since=7d"
        while path:
            html = (await c.get(path)).text
            seen += _shown(html)
            older = re.search(r'<a href="([^"]+)" rel="next">Older alerts</a>', html)
            path = older.group(1).replace("&amp;", "&") if older else None
            assert path is None or ("rule=sanctions" in path and "since=7d" in path), path
        assert seen == want and len(seen) > 50

    with_console(settings_for(tmp_path), scenario)


def test_the_workbench_shows_its_rules_precision_from_triage(tmp_path: Path) -> None:
    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        csrf = await log_in(c)
        rules = (await c.get("/rules")).text
        assert '<td data-label="File"><code>sanctions.yaml</code></td>' in rules
        assert str(app.settings.rules_dir) not in rules
        page = (await c.get("/rules/edit?id=sanctions")).text
        assert "— (no alert of this rule was triaged)" in page
        with app.store.session() as s:
            ids = list(s.exec(select(AlertRow.id).where(col(AlertRow.rule_id) == "sanctions"))
                       .all())
        for alert_id, state in zip(ids, ("relevant", "false_alarm"), strict=False):
            await c.post(f"/alerts/{alert_id}/triage", data={"csrf": csrf, "state": state})
        page = (await c.get("/rules/edit?id=sanctions")).text
        relevant, false = (1, 1) if len(ids) > 1 else (1, 0)
        share = round(100 * relevant / (relevant + false))
        assert (f"last 30 days: <strong>{share}%</strong> ({relevant} relevant, {false} false "
                "alarms)") in page

    with_console(settings_for(tmp_path), scenario)
