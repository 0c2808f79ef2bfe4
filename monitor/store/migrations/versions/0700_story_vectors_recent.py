"""story vectors: the newest articles' vectors are candidates of their own

With the optional encoder, an article may retell one that shares none of its terms (its
names are in a script the term index cannot read across): the newest vectors in the window
are read as candidates too. Each row says its story, language and term counts, as the term
index's rows do, and an index on the time finds the newest without a scan. Rows stored
before have no story and are never such candidates.

Revision ID: 0700
Revises: 0610
Create Date: 2027-03-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0700'
down_revision = '0610'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('story_vectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('story_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('terms', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('figures', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_index('ix_story_vectors_recent', ['created_at', 'article_id',
                                                          'story_id', 'language', 'terms',
                                                          'figures'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('story_vectors', schema=None) as batch_op:
        batch_op.drop_index('ix_story_vectors_recent')
        batch_op.drop_column('figures')
        batch_op.drop_column('terms')
        batch_op.drop_column('language')
        batch_op.drop_column('story_id')
