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
def fresh_postgres_database(template: str | None = None,
                            graveyard: list[str] | None = None) -> Iterator[str]:
    """A new database on the test server for one test: empty, or a copy of ``template`` (a
    database holding the migrated schema, see ``Migrated``). It is dropped afterwards, or
    put in ``graveyard`` to be dropped with the others at the end (``drop_all``)."""
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
        if graveyard is None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            graveyard.append(name)
        admin.dispose()


def drop_all(names: list[str]) -> None:
    """Drop these databases, several at once. Each DROP DATABASE waits for a checkpoint (a
    second on this server, the most of a PostgreSQL test's cost); drops that wait together
    share one."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine

    if not names:
        return
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT", pool_size=8)

    def drop(name: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(drop, names))
    finally:
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
    """Migrated, otherwise empty databases for the session's tests, made on first use.

    Migrating a new database costs 0.3-1.5 s; on PostgreSQL creating one costs another second
    and dropping one a second more (DROP DATABASE waits for a checkpoint). So SQLite tests get
    a copy of one migrated file, and PostgreSQL tests borrow a migrated database from a pool:
    when a test ends, its connections are closed and its rows deleted (the sequences start
    again), and the next test gets it back as new. Either is what ``Store.open`` leaves on a
    new database: schema at head, no rows (the seeding that follows keys on a meta row, not
    on the migration). Tests of migration itself ask for an empty database with
    ``@pytest.mark.empty_database``."""

    def __init__(self, where: Path, stack: ExitStack) -> None:
        self.where, self.stack = where, stack
        self.graveyard: list[str] = []  # databases dropped when the session ends
        self.free: list[str] = []  # migrated and emptied, ready for the next test
        stack.callback(lambda: drop_all([*self.free, *self.graveyard]))
        self.sqlite: Path | None = None
        self.template: str | None = None

    def sqlite_file(self) -> Path:
        if self.sqlite is None:
            from monitor.store import Store

            path = self.where / "migrated.db"
            Store.open(f"sqlite:///{path}").close()
            self.sqlite = path
        return self.sqlite

    @contextmanager
    def postgres(self) -> Iterator[str]:
        """The URL of a migrated PostgreSQL database with no rows, for one test."""
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        admin_url = postgres_admin_url()
        if self.free:
            name = self.free.pop()
        else:
            name = f"test_{uuid.uuid4().hex[:16]}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE '
                                         f'"{self._template()}"')
            finally:
                admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            _dispose_engines_of(name)
            try:
                _empty(url)
            except Exception:  # one that cannot be emptied is dropped instead
                self.graveyard.append(name)
            else:
                self.free.append(name)

    def _template(self) -> str:
        if self.template is None:
            from sqlalchemy.engine import make_url

            from monitor.store import Store

            url = self.stack.enter_context(fresh_postgres_database())
            Store.open(url).close()
            _dispose_engines_of(str(make_url(url).database))  # a template takes no connection
            self.template = str(make_url(url).database)
        return self.template


def _empty(url: str) -> None:
    """Close every other connection to the database, delete its rows (foreign keys are not
    checked meanwhile) and start its sequences again; the schema stays."""
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            tables = conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'").scalars().all()
            sequences = conn.exec_driver_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            ).scalars().all()
            conn.exec_driver_sql(
                "BEGIN; SET LOCAL session_replication_role = replica; "
                + "".join(f'DELETE FROM "{t}"; ' for t in tables)
                + "".join(f'ALTER SEQUENCE "{q}" RESTART; ' for q in sequences) + "COMMIT")
    finally:
        engine.dispose()
