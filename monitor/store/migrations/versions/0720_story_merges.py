"""story merges: a merged-away story's id leads to the story it became part of

An article that retells two stories merges them into the older one, and the other's row
goes; its id is named by the alerts already sent (a breaking alert, a webhook's link). The
``story_merges`` rows say where each such id went, so that the API and the command line
redirect instead of answering "no story".

Revision ID: 0720
Revises: 0710
Create Date: 2027-04-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0720'
down_revision = '0710'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'story_merges',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('story_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_merges_story_id'), ['story_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('story_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_merges_story_id'))
    op.drop_table('story_merges')
