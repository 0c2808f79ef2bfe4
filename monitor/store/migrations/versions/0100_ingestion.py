"""ingestion: source health, story clusters (SimHash bands), "also reported by" copies

Revision ID: 0100
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0100'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('disabled_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('kind_auto', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('story_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('simhash', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.create_index('ix_story_bands_lookup', ['band', 'value', 'created_at'], unique=False)
        batch_op.create_index('ix_story_bands_article_id', ['article_id'], unique=False)

    op.create_table('alert_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alert_id', 'article_id', name='uq_alert_copies_alert_article')
    )
    with op.batch_alter_table('alert_copies', schema=None) as batch_op:
        batch_op.create_index('ix_alert_copies_alert_id', ['alert_id'], unique=False)

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_rule_story', ['rule_id', 'story_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_rule_story')
    with op.batch_alter_table('alert_copies', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_copies_alert_id')
    op.drop_table('alert_copies')
    with op.batch_alter_table('story_bands', schema=None) as batch_op:
        batch_op.drop_index('ix_story_bands_article_id')
        batch_op.drop_index('ix_story_bands_lookup')
    op.drop_table('story_bands')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('kind_auto')
        batch_op.drop_column('disabled_reason')
        batch_op.drop_column('failing_since')
