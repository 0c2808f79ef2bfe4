"""The store on a real SQLite file: migrations, one write per poll, no duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text

from monitor.models import Article, Evidence, Match
from monitor.store import PollOutcome, Store
from tests.pollhelp import save_found

pytestmark = pytest.mark.backends  # SQLite and PostgreSQL

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _article(guid: str, body: str = "The embassy closed.") -> Article:
    return Article(title=f"Title {guid}", body=body, guid=guid, content_hash=f"h-{body}")


def _match() -> Match:
    return Match("embassies", "Embassies", 1.0,
                 (Evidence("embassy", "body", 4, 10, "embassy", "The «embassy» closed."),))


@pytest.mark.empty_database
def test_migrations_create_the_schema_and_rerun_as_a_no_op(db_url: str) -> None:
    store = Store.open(db_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"sources", "articles", "alerts", "deliveries", "delivery_attempts", "meta",
            "alembic_version"} <= tables
    with store.engine.connect() as conn:
        head = conn.execute(text("select version_num from alembic_version")).scalar_one()
    store.close()
    again = Store.open(db_url)  # an existing database is upgraded in place, not recreated
    with again.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == head


def test_a_poll_is_written_once_and_never_duplicated(db_url: str) -> None:
    store = Store.open(db_url)
    src = store.add_source("feed", "http://127.0.0.1/f", interval=60, now=NOW)
    assert src.id is not None
    outcome = PollOutcome("ok", NOW + timedelta(minutes=1), etag='"e"')
    found = [(_article("a"), [_match()]), (_article("b", "Other text."), [])]
    alerts = save_found(store, src.id, outcome, found, targets=["default"], now=NOW)
    assert [a.rule_id for a in alerts] == ["embassies"]
    again = save_found(store, src.id, outcome, found, targets=["default"], now=NOW)
    assert again == []
    assert [i.articles for i in store.list_sources()] == [2]
    assert len(store.deliveries("pending")) == 1
    assert store.known_keys(src.id, [_article("a"), _article("zzz", "The embassy closed.")]) \
        == {"a", "zzz"}  # zzz: same content under another GUID


def test_claimed_sources_are_leased_until_the_poll_is_saved(db_url: str) -> None:
    store = Store.open(db_url)
    src = store.add_source("feed", "http://127.0.0.1/f", interval=60, now=NOW)
    assert src.id is not None
    claimed = store.claim_sources(NOW, worker="w1", lease=timedelta(minutes=5))
    assert [s.id for s in claimed] == [src.id]
    assert store.claim_sources(NOW, worker="w2", lease=timedelta(minutes=5)) == []
    later = NOW + timedelta(minutes=6)  # the lease of a crashed worker expires
    assert [s.id for s in store.claim_sources(later, worker="w2",
                                              lease=timedelta(minutes=5))] == [src.id]
    store.save_poll(src.id, PollOutcome("ok", later + timedelta(minutes=1)), now=later)
    assert store.claim_sources(later, worker="w3", lease=timedelta(minutes=5)) == []
