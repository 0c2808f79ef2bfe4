"""WebSub subscriptions: one row per source whose feed advertises a hub (data access only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from monitor.store.base import StoreBase
from monitor.store.tables import SourceRow, WebSubRow


@dataclass(frozen=True)
class WebSubView:
    """A subscription and whether its source is still polled (False: removed or disabled)."""

    row: WebSubRow
    source_enabled: bool


class WebSubQueries(StoreBase):
    def websub_by_token(self, token: str) -> WebSubRow | None:
        with self.session() as s:
            return s.get(WebSubRow, token)

    def websub_of_source(self, source_id: int) -> WebSubRow | None:
        with self.session() as s:
            return s.exec(select(WebSubRow).where(WebSubRow.source_id == source_id)).first()

    def websub_put(self, row: WebSubRow) -> None:
        """Insert or replace the source's subscription (a new token replaces an old one)."""
        with self.session(lock=True) as s:
            for old in s.exec(select(WebSubRow).where(WebSubRow.source_id == row.source_id)):
                if old.token != row.token:
                    s.delete(old)
            s.flush()
            s.merge(row)

    def websub_delete(self, token: str) -> None:
        with self.session() as s:
            row = s.get(WebSubRow, token)
            if row is not None:
                s.delete(row)

    def websub_all(self) -> list[WebSubView]:
        with self.session() as s:
            rows = s.exec(select(WebSubRow).order_by(col(WebSubRow.source_id))).all()
            enabled = {sid: on for sid, on in s.exec(
                select(SourceRow.id, SourceRow.enabled).where(
                    col(SourceRow.id).in_([r.source_id for r in rows])))}
            return [WebSubView(r, bool(enabled.get(r.source_id, False))) for r in rows]
