"""console indexes: articles by language, triage by state

The console's inbox filters alerts by their article's language and by triage state. Without
these indexes SQLite answers a filter that matches few alerts by reading every alert's article
row (a few hundred milliseconds at 100,000 articles); with them the filter reads two small
covering indexes.

Revision ID: 0310
Revises: 0300
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = '0310'
down_revision = '0300'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_articles_language', 'articles', ['language'])
    op.create_index('ix_alert_triage_state', 'alert_triage', ['state', 'alert_id'])


def downgrade() -> None:
    op.drop_index('ix_alert_triage_state', table_name='alert_triage')
    op.drop_index('ix_articles_language', table_name='articles')
