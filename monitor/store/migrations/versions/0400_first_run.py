"""first run: sample sources, and each source's first successful poll (its backlog)

Revision ID: 0400
Revises: 0310
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0400'
down_revision = '0310'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sample', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('first_polled_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # A source polled before this revision is past its first poll: its backlog is behind it.
    op.execute("UPDATE sources SET first_polled_at = last_polled_at "
               "WHERE last_status IN ('ok', 'not_modified')")


def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('first_polled_at')
        batch_op.drop_column('sample')
