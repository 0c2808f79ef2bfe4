"""A full disk costs a poll, and the source records a short reason, not the SQL statement."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from monitor.app import App
from monitor.config import Settings
from tests.apiclient import TOKEN, cycle, with_api


def test_a_failed_store_write_records_a_short_reason(settings: Settings,
                                                     tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(40):  # far more than the pages left: the poll's insert fails
        (inbox / f"{n}.txt").write_text(f"Embassy {n} closed\n\n" + f"word{n} " * 5000, "utf-8")

    async def scenario(client: httpx.AsyncClient, app: App) -> Any:
        db = app.store.engine.url.database
        assert db is not None
        with sqlite3.connect(db) as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]

        def cap(dbapi_conn: Any, _record: Any) -> None:
            # The database cannot grow past a few pages: "database or disk is full".
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 8}")

        event.listen(app.store.engine, "connect", cap)
        app.store.engine.dispose()  # new connections, each with the cap
        [report] = (await cycle(app))[0]
        source = (await client.get("/api/v1/sources")).json()["items"][0]
        return report, source

    report, source = with_api(replace(settings, seeds_dir=inbox, api_token=TOKEN), scenario)
    assert report.status == "error"
    error = source["last_error"]
    assert "database or disk is full" in error, error
    assert len(error) <= 400 and "INSERT" not in error and "word1" not in error
    assert source["articles"] == 0 and source["consecutive_failures"] == 1
