"""Database engines and schema migrations (Alembic), for SQLite and PostgreSQL alike."""

from __future__ import annotations

import functools
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"

# pg_advisory_xact_lock key for schema migrations (any fixed 64-bit number; "mon" + "migr").
MIGRATION_LOCK = 0x6D6F6E6D69677200


MAX_REASON = 300


def db_reason(exc: BaseException) -> str:
    """A short reason for a database error: the driver's first line, not SQLAlchemy's text
    (which carries the statement and its parameters, 40 KB for a poll's articles); it is
    recorded as a source's last error and shown to people. The whole error stays chained."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    text = f"{type(orig).__name__}: {lines[0].strip() if lines else ''}".rstrip(": ")
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


# How long a new connection keeps retrying the switch to WAL while other processes open the
# same file (the busy timeout, 30 s, bounds every other wait).
WAL_RETRY_SECONDS = 30.0


def _use_wal(cur: Any) -> None:
    # Switching to WAL needs an exclusive lock for a moment, and SQLite answers "database is
    # locked" at once, without its busy handler, while another process opens or switches the
    # same file. The mode is stored in the file, so after the first success this is a no-op.
    deadline = time.monotonic() + WAL_RETRY_SECONDS
    pause = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            contended = "locked" in str(exc) or "busy" in str(exc)
            if not contended or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the API read while a poll writes; busy_timeout makes concurrent writers wait
    # instead of failing at once; SQLite leaves foreign keys off unless asked.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    _use_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (an SQLAlchemy URL), tuned for its dialect."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"MONITOR_DATABASE_URL: cannot use {url!r}: {exc}") from exc
    return engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def lock_for_writing(conn: Connection) -> None:
    """Make the transaction just begun on ``conn`` exclusive against other writers, at once.

    PostgreSQL needs nothing (rows are locked by ``FOR UPDATE``). SQLite ignores ``FOR UPDATE``
    and, by default, starts a transaction only at its first write, so two processes could read
    the same due rows; ``BEGIN IMMEDIATE`` takes the write lock before the first read, and the
    busy timeout makes the others wait for it.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision.

    Several workers starting at once must not migrate together: on PostgreSQL a transaction
    advisory lock serializes them (the second one then finds the schema at head and does
    nothing), on SQLite the write lock taken by ``BEGIN IMMEDIATE`` does the same.
    """
    if _at_head(engine):
        return
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            else:
                lock_for_writing(conn)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the database {engine.url!r}: "
                         f"{db_reason(exc)}") from exc


@functools.cache
def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _at_head(engine: Engine) -> bool:
    # Alembic reads every migration script to learn that there is nothing to do (0.1 s per
    # open); a database already at the newest revision, the usual case, skips it.
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except SQLAlchemyError:
        return False  # a new database: no version table yet
    return len(rows) == 1 and rows[0][0] == _head()
