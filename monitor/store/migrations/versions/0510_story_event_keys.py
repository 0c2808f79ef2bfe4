"""story event keys: the names and figures of each near-duplicate index entry's article

A near-duplicate joins a story only when it names no other event (actors, places, figures);
the key is kept beside the SimHash in the band index so that the lookup reads both at once.
Entries stored before this revision have none and compare as before.

Revision ID: 0510
Revises: 0500
Create Date: 2027-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0510'
down_revision = '0500'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_key', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.drop_column('event_key')
