"""story times with their time zone: the stories' first and last seen as every other time

0600 made ``stories.first_seen`` and ``last_seen`` PostgreSQL ``timestamp`` columns, where every
other time is ``timestamptz``: a server whose time zone is not UTC read them back shifted. They
become ``timestamptz``; the values written through a session of the server's zone convert
back to the instants they were (the implicit cast reads them in that zone). SQLite keeps one
type for both: nothing to do there.

Revision ID: 0730
Revises: 0720
Create Date: 2027-04-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0730'
down_revision = '0720'
branch_labels = None
depends_on = None

_COLUMNS = ('first_seen', 'last_seen')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column in _COLUMNS:
        op.alter_column('stories', column, existing_type=sa.DateTime(),
                        type_=sa.DateTime(timezone=True), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for column in _COLUMNS:
        op.alter_column('stories', column, existing_type=sa.DateTime(timezone=True),
                        type_=sa.DateTime(), existing_nullable=False)
