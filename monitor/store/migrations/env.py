"""Alembic environment: runs the migrations on the connection the store hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlmodel import SQLModel

import monitor.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    # Batch mode lets later ALTERs work on SQLite, which cannot alter most columns in place.
    context.configure(connection=conn, target_metadata=SQLModel.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # the alembic command line: `alembic -x url=... upgrade head`
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    engine = create_engine(url or "sqlite:///monitor.db")
    with engine.begin() as conn:
        _run(conn)
