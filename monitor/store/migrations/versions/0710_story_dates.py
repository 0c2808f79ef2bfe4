"""story dates: the days an article names, beside its terms and vector

Two reports that each name the day of their event, days apart, tell two events (a
president's martial law and his impeachment, two meetings of the same ministers): the
linking reads each candidate's dates from the index rows that found it, so both indexes
carry them, covered as the other columns a lookup reads. Rows stored before have none.

Revision ID: 0710
Revises: 0700
Create Date: 2027-03-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0710'
down_revision = '0700'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('story_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dates', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_index('ix_story_terms_lookup')
        batch_op.create_index('ix_story_terms_lookup', ['term', 'created_at', 'story_id',
                                                        'article_id', 'language', 'terms',
                                                        'figures', 'dates'], unique=False)
    with op.batch_alter_table('story_vectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dates', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_index('ix_story_vectors_recent')
        batch_op.create_index('ix_story_vectors_recent', ['created_at', 'article_id',
                                                          'story_id', 'language', 'terms',
                                                          'figures', 'dates'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('story_vectors', schema=None) as batch_op:
        batch_op.drop_index('ix_story_vectors_recent')
        batch_op.create_index('ix_story_vectors_recent', ['created_at', 'article_id',
                                                          'story_id', 'language', 'terms',
                                                          'figures'], unique=False)
        batch_op.drop_column('dates')
    with op.batch_alter_table('story_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_story_terms_lookup')
        batch_op.create_index('ix_story_terms_lookup', ['term', 'created_at', 'story_id',
                                                        'article_id', 'language', 'terms',
                                                        'figures'], unique=False)
        batch_op.drop_column('dates')
