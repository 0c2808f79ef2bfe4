"""The store's foundation: engine, migrations, transactions, and small key/value facts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from monitor.errors import StoreError
from monitor.store.engine import db_reason, lock_for_writing, make_engine, migrate
from monitor.store.tables import MetaRow


class StoreBase:
    """Owns the engine; the query mixins of the other store modules build on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Self:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self, *, lock: bool = False) -> Iterator[Session]:
        """A transaction; ``lock``: a claim that must be exclusive on SQLite too (see engine)."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                if lock:
                    lock_for_writing(session.connection())
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {db_reason(exc)}") from exc

    def ping(self) -> None:
        with self.session() as s:
            s.exec(select(func.count()).select_from(MetaRow))

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # -- meta -------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.session() as s:
            row = s.get(MetaRow, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        # An upsert: workers starting together may all write the same key at once.
        table = MetaRow.__table__  # type: ignore[attr-defined]
        with self.session() as s:
            s.execute(self._insert(table).values(key=key, value=value).on_conflict_do_update(
                index_elements=[table.c.key], set_={"value": value}))

    def update_meta(self, key: str, change: Callable[[str | None], str | None]) -> str | None:
        """Replace a meta value by ``change(old)`` atomically across workers; returns the value.

        ``change`` gets ``None`` for a missing key and returns ``None`` to leave the row as is.
        The row is created empty first so that there is always a row to lock.
        """
        table = MetaRow.__table__  # type: ignore[attr-defined]
        with self.session() as s:
            s.execute(self._insert(table).values(key=key, value="").on_conflict_do_nothing())
        with self.session(lock=True) as s:
            row = s.exec(select(MetaRow).where(MetaRow.key == key).with_for_update()).one()
            new = change(row.value or None)
            if new is not None:
                row.value = new
            return row.value or None
