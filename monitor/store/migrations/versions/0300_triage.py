"""triage: a person's verdict per alert (relevant, false alarm, muted story)

Revision ID: 0300
Revises: 0200
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0300'
down_revision = '0200'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert_triage',
        sa.Column('alert_id', sa.Integer(), sa.ForeignKey('alerts.id'), primary_key=True,
                  autoincrement=False),
        sa.Column('rule_id', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_alert_triage_rule_at', 'alert_triage', ['rule_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_alert_triage_rule_at', table_name='alert_triage')
    op.drop_table('alert_triage')
