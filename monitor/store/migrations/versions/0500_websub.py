"""websub: a source's subscription at the hub its feed advertises

Revision ID: 0500
Revises: 0400
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0500'
down_revision = '0400'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'websub_subscriptions',
        sa.Column('token', sa.String(length=100), primary_key=True),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('hub', sa.Text(), nullable=False),
        sa.Column('topic', sa.Text(), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('pending', sa.String(length=20), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_seconds', sa.Integer(), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
    )
    op.create_index('ix_websub_subscriptions_source_id', 'websub_subscriptions',
                    ['source_id'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_websub_subscriptions_source_id', table_name='websub_subscriptions')
    op.drop_table('websub_subscriptions')
