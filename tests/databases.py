"""Test databases: a PostgreSQL database per test on the real server, and migrated templates
that a test's database is copied from."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

POSTGRES_ENV = "MONITOR_TEST_POSTGRES_URL"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    # Under CI the PostgreSQL tests are part of the contract: a missing server is a failure.
    if in_ci():
        pytest.fail(f"CI=true and PostgreSQL is required: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


def postgres_admin_url() -> str:
    """The server URL from ``MONITOR_TEST_POSTGRES_URL``, checked reachable (else skip/fail)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    url = os.environ.get(POSTGRES_ENV)
    if not url:
        _unavailable(f"{POSTGRES_ENV} is not set")
        raise AssertionError("unreachable")
    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except SQLAlchemyError as exc:
        _unavailable(f"cannot connect to {url}: {type(exc).__name__}: {exc}")
    finally:
        engine.dispose()
    return url


@contextmanager
def fresh_postgres_database(template: str | None = None) -> Iterator[str]:
    """A new database on the test server for one test, dropped afterwards: empty, or a copy
    of ``template`` (a database holding the migrated schema, see ``_migrated``)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin_url = postgres_admin_url()
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _dispose_engines_of(name)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _dispose_engines_of(database: str) -> None:
    # A test that forgets Store.close() leaves pooled connections that psycopg would report
    # (ResourceWarning, an error here) whenever they are collected; close them now, properly.
    import gc

    from sqlalchemy import Engine

    for obj in gc.get_objects():
        if isinstance(obj, Engine) and obj.url.database == database:
            obj.dispose()


class Migrated:
    """One migrated, otherwise empty database per backend for the whole session, made on first
    use. Migrating a new database costs 0.3-1.5 s, copying a migrated one a few milliseconds;
    the copy is what ``Store.open`` would leave (schema at head, no rows: the seeding that
    follows a new database keys on a meta row, not on the migration). Tests of migration
    itself ask for an empty database with ``@pytest.mark.empty_database``."""

    def __init__(self, where: Path, stack: ExitStack) -> None:
        self.where, self.stack = where, stack
        self.sqlite: Path | None = None
        self.postgres: str | None = None

    def sqlite_file(self) -> Path:
        if self.sqlite is None:
            from monitor.store import Store

            path = self.where / "migrated.db"
            Store.open(f"sqlite:///{path}").close()
            self.sqlite = path
        return self.sqlite

    def postgres_database(self) -> str:
        if self.postgres is None:
            from sqlalchemy.engine import make_url

            from monitor.store import Store

            url = self.stack.enter_context(fresh_postgres_database())
            Store.open(url).close()
            _dispose_engines_of(str(make_url(url).database))  # a template takes no connection
            self.postgres = str(make_url(url).database)
        return self.postgres


