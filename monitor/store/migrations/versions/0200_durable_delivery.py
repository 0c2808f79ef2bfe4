"""durable delivery: digests, replays, per-target queues, attempt details

Revision ID: 0200
Revises: 0100
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0200'
down_revision = '0100'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('alert_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='alert'))
        batch_op.add_column(sa.Column('payload', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('gated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retry_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_deliveries_target_queue', ['target', 'status', 'id'], unique=False)
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.drop_column('worker')
        batch_op.drop_column('outcome')
        batch_op.drop_column('next_attempt_at')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_target_queue')
        batch_op.drop_column('retry_from')
        batch_op.drop_column('gated_at')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('payload')
        batch_op.drop_column('kind')
        batch_op.alter_column('alert_id', existing_type=sa.Integer(), nullable=False)
