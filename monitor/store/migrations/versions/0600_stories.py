"""stories: one row per story (first and last seen, articles, sources, languages); alert kinds

A story is its first article's id on every member (``articles.story_id``); the row keeps what
listing and the breaking-story check need without grouping the articles table each time. The
rows of an existing database are filled from its articles. Alerts get a ``kind``: ``alert``
(a rule matched an article) or ``breaking`` (a story of the rule spread unusually fast), so a
story's lead article can carry both, once each.

Revision ID: 0600
Revises: 0510
Create Date: 2027-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0600'
down_revision = '0510'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stories',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('first_seen', sa.DateTime(), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
        sa.Column('articles', sa.Integer(), nullable=False),
        sa.Column('sources', sa.Integer(), nullable=False),
        sa.Column('languages', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.create_index('ix_stories_last_seen', ['last_seen'], unique=False)
        batch_op.create_index('ix_stories_sources', ['sources'], unique=False)
    postgres = op.get_bind().dialect.name == 'postgresql'
    # Sorted, as the poll writes them (SQLite's group_concat follows its input's order).
    langs = ("string_agg(DISTINCT language, ',' ORDER BY language)" if postgres
             else "(SELECT group_concat(language) FROM (SELECT DISTINCT language FROM "
                  "articles AS m WHERE m.story_id = articles.story_id AND language IS NOT "
                  "NULL ORDER BY language))")
    op.execute(
        "INSERT INTO stories (id, first_seen, last_seen, articles, sources, languages) "
        "SELECT story_id, min(fetched_at), max(fetched_at), count(*), "
        f"count(DISTINCT source_id), coalesce({langs}, '') "
        "FROM articles WHERE story_id IS NOT NULL GROUP BY story_id")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False,
                                      server_default='alert'))
        batch_op.drop_constraint('uq_alerts_rule_article', type_='unique')
        batch_op.create_unique_constraint('uq_alerts_rule_article_kind',
                                          ['rule_id', 'article_id', 'kind'])
        # The rule's recent stories, newest first: the baseline of the breaking check.
        batch_op.create_index('ix_alerts_rule_kind_created', ['rule_id', 'kind', 'created_at'],
                              unique=False)


def downgrade() -> None:
    breaking = "(SELECT id FROM alerts WHERE kind = 'breaking')"
    op.execute("DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries "
               f"WHERE alert_id IN {breaking})")
    op.execute(f"DELETE FROM deliveries WHERE alert_id IN {breaking}")
    op.execute(f"DELETE FROM alert_triage WHERE alert_id IN {breaking}")
    op.execute("DELETE FROM alerts WHERE kind = 'breaking'")
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_rule_kind_created')
        batch_op.drop_constraint('uq_alerts_rule_article_kind', type_='unique')
        batch_op.create_unique_constraint('uq_alerts_rule_article', ['rule_id', 'article_id'])
        batch_op.drop_column('kind')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_index('ix_stories_sources')
        batch_op.drop_index('ix_stories_last_seen')
    op.drop_table('stories')
