"""Migration 0600 on a database with stories: their rows are filled from the articles, and
alerts get their kind; back down and up again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from monitor.store.engine import alembic_config, make_engine

pytestmark = pytest.mark.backends

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
