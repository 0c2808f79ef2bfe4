"""story terms: the cross-language index of names and figures; the language of a story's copies

An article joins a story told in another language when they share enough names (as
cross-script skeletons) and figures; ``story_terms`` holds each article's, looked up by term
within a recent window; ``story_vectors`` the title-and-lead vectors of the optional encoder.
``alert_copies.language`` says in which language a copy reported it.

Revision ID: 0610
Revises: 0510
Create Date: 2027-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0610'
down_revision = '0600'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'story_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('term', sa.Text(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('story_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=True),
        sa.Column('terms', sa.Integer(), nullable=False),
        sa.Column('figures', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('story_terms', schema=None) as batch_op:
        # Covering (every column a lookup reads): a common term's rows cost no table reads.
        batch_op.create_index('ix_story_terms_lookup', ['term', 'created_at', 'story_id',
                                                        'article_id', 'language', 'terms',
                                                        'figures'], unique=False)
        batch_op.create_index('ix_story_terms_article_id', ['article_id'], unique=False)
    op.create_table(
        'story_vectors',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id']),
        sa.PrimaryKeyConstraint('article_id'),
    )
    with op.batch_alter_table('alert_copies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alert_copies', schema=None) as batch_op:
        batch_op.drop_column('language')
    op.drop_table('story_vectors')
    with op.batch_alter_table('story_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_story_terms_article_id')
        batch_op.drop_index('ix_story_terms_lookup')
    op.drop_table('story_terms')
