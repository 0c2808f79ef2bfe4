"""Story rows: migration 0600 fills them from the articles (and gives alerts their kind), and
they stay true when a source is removed or old articles are pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from monitor.models import Article
from monitor.store import PollOutcome, Store, sourcelist, storylist, storytables
from monitor.store.engine import alembic_config, make_engine
from monitor.store.records import PollArticle, StoryCandidates
from monitor.store.storyterms import find_terms
from tests.pollhelp import save_found

# Each test walks the migrations from an older revision: it needs an empty database.
pytestmark = [pytest.mark.backends, pytest.mark.empty_database]

NOW = datetime(2026, 2, 1, 9, tzinfo=UTC)


def _to(engine: object, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:  # type: ignore[attr-defined]
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_existing_stories_get_their_rows_and_alerts_a_kind(db_url: str) -> None:
    engine = make_engine(db_url)
    _to(engine, "0510")
    with engine.begin() as conn:
        for sid, url in ((1, "http://127.0.0.1/a"), (2, "http://127.0.0.1/b")):
            conn.execute(text("INSERT INTO sources (id, kind, url, labels, enabled, "
                              "interval_seconds, created_at, next_check_at, "
                              "consecutive_failures, unhealthy, kind_auto, sample) VALUES "
                              "(:id, 'feed', :url, '', true, 60, :t, :t, 0, false, false, "
                              "false)"), {"id": sid, "url": url, "t": NOW})
        for aid, source, story, lang, minute in ((1, 1, 1, "en", 0), (2, 2, 1, "fr", 5),
                                                 (3, 1, 1, "en", 9), (4, 2, 4, None, 7)):
            conn.execute(text(
                "INSERT INTO articles (id, source_id, dedupe_key, title, body, language, "
                "fetched_at, content_hash, story_id) VALUES (:id, :s, :k, 't', 'b', :lang, "
                ":at, :k, :story)"), {"id": aid, "s": source, "k": f"k{aid}", "lang": lang,
                                      "at": NOW.replace(minute=minute), "story": story})
        conn.execute(text("INSERT INTO alerts (rule_id, rule_name, article_id, story_id, "
                          "score, evidence, payload, created_at) VALUES ('r', 'R', 1, 1, 1, "
                          "'[]', '{}', :t)"), {"t": NOW})
    _to(engine, "head")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, articles, sources, languages, first_seen, "
                                 "last_seen FROM stories ORDER BY id")).all()
        kinds = conn.execute(text("SELECT kind FROM alerts")).scalars().all()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [(1, 3, 2, "en,fr"), (4, 1, 1, "")]
    assert str(rows[0][4]).startswith("2026-02-01 09:00:00")
    assert str(rows[0][5]).startswith("2026-02-01 09:09:00")
    assert kinds == ["alert"]
    _to(engine, "0510", down=True)
    _to(engine, "head")
    engine.dispose()


def test_removing_a_source_and_pruning_keep_the_rows_true(db_url: str) -> None:
    store = Store.open(db_url)
    ids = [int(store.add_source("feed", f"http://127.0.0.1/{n}", interval=60, now=NOW).id or 0)
           for n in range(3)]
    for n, (source, lang) in enumerate(zip(ids, ("en", "fr", "de"), strict=True)):
        article = Article(title=f"Copy {n}", body="Same text.", guid=f"g{n}", language=lang,
                          content_hash="same")
        save_found(store, source, PollOutcome("ok", NOW), [(article, [])], targets=[],
                   now=NOW + timedelta(minutes=n))
    (story,) = storylist.stories_page(store, storylist.StoryFilter(), limit=10)
    assert (story.row.articles, story.row.sources, story.row.languages) == (3, 3, "de,en,fr")
    assert sourcelist.delete_source(store, ids[0])  # the first reporter goes: the story stays
    left = storylist.get_story(store, story.row.id)
    assert left is not None and left.title == "Copy 1"
    assert (left.row.articles, left.row.sources, left.row.languages) == (2, 2, "de,fr")
    assert str(left.row.first_seen).startswith("2026-02-01 09:01")
    while store.prune_batch(NOW + timedelta(days=1)).articles:
        pass
    assert storylist.stories_page(store, storylist.StoryFilter(), limit=10) == []
    store.close()


def test_vectors_stored_before_0700_are_no_newest_candidates(db_url: str) -> None:
    engine = make_engine(db_url)
    _to(engine, "0610")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (id, kind, url, labels, enabled, "
                          "interval_seconds, created_at, next_check_at, consecutive_failures, "
                          "unhealthy, kind_auto, sample) VALUES (1, 'feed', 'http://127.0.0.1/a', "
                          "'', true, 60, :t, :t, 0, false, false, false)"), {"t": NOW})
        conn.execute(text("INSERT INTO articles (id, source_id, dedupe_key, title, body, "
                          "language, fetched_at, content_hash, story_id) VALUES (1, 1, 'k1', "
                          "'t', 'b', 'en', :t, 'k1', 1)"), {"t": NOW})
        conn.execute(text("INSERT INTO story_vectors (article_id, vector, created_at) VALUES "
                          "(1, :v, :t)"), {"v": bytes(1024), "t": NOW})
    _to(engine, "head")
    item = PollArticle(Article(title="t", body="b", language="fr"), vector=bytes(1024))
    found = StoryCandidates({}, {}, {})
    with engine.connect() as conn:
        row = conn.execute(text("SELECT story_id, language, terms, figures FROM "
                                "story_vectors")).one()
        find_terms(conn, found, [item], NOW - timedelta(hours=1))
    assert tuple(row) == (None, None, 0, 0) and found.recent == []
    _to(engine, "0610", down=True)
    _to(engine, "head")
    engine.dispose()


def test_the_migrated_schema_is_the_tables_the_code_declares(db_url: str) -> None:
    """Every table, column, type (time zones included), key and index the code declares is
    what the migrations make: a column of another type reads back wrong on some server (a
    time without its zone, on PostgreSQL outside UTC)."""
    assert storytables.StoryMergeRow.__tablename__ in SQLModel.metadata.tables
    engine = make_engine(db_url)
    _to(engine, "head")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
