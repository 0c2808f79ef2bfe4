"""SQL tables of the store (SQLModel); the schema itself is owned by the Alembic migrations.

No ``from __future__ import annotations`` here: SQLModel reads the annotations at class creation.
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

import monitor.store.storytables  # noqa: F401 - the story tables, registered with these


class SourceRow(SQLModel, table=True):
    """A polled source; its columns are also the schedule (``next_check_at``) and the lease."""

    __tablename__ = "sources"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # folder | feed | page | sitemap
    url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    title: str | None = Field(default=None, sa_column=Column(Text))
    labels: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    enabled: bool = True
    interval_seconds: int = 900
    created_at: datetime
    next_check_at: datetime = Field(index=True)
    last_polled_at: datetime | None = None
    last_status: str | None = Field(default=None, max_length=40)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    unhealthy: bool = False
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, sa_column=Column(Text))
    body_hash: str | None = Field(default=None, max_length=64)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = None
    failing_since: datetime | None = None
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text))
    kind_auto: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                            server_default=false()))
    # The seeds folder a new database starts with: its alerts are stored and printed, but
    # delivered to no target unless demo mode asks for it.
    sample: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                         server_default=false()))
    # The first poll that read the source (ok or not modified): before it, everything the
    # source lists is its backlog.
    first_polled_at: datetime | None = None


class ArticleRow(SQLModel, table=True):
    """A stored clean article; ``dedupe_key`` makes a second copy from one source impossible."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("source_id", "dedupe_key", name="uq_articles_source_key"),
        Index("ix_articles_content_hash", "content_hash"),
        Index("ix_articles_url", "url"),
        Index("ix_articles_fetched_at", "fetched_at"),
        Index("ix_articles_language", "language"),  # the console's language filter
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="sources.id", index=True)
    dedupe_key: str = Field(max_length=255)
    guid: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = Field(default=None, sa_column=Column(Text))
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    language: str | None = Field(default=None, max_length=16)
    author: str | None = Field(default=None, sa_column=Column(Text))
    published: datetime | None = None
    fetched_at: datetime
    content_hash: str = Field(max_length=64)
    simhash: int | None = Field(default=None, sa_column=Column(BigInteger))
    story_id: int | None = Field(default=None, index=True)


class AlertRow(SQLModel, table=True):
    """One rule matching one article; the payload is frozen at creation so retries are identical."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule_id", "article_id", "kind",
                                       name="uq_alerts_rule_article_kind"),
                      Index("ix_alerts_rule_story", "rule_id", "story_id"),
                      Index("ix_alerts_rule_kind_created", "rule_id", "kind", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(max_length=200, index=True)
    rule_name: str = Field(sa_column=Column(Text, nullable=False))
    article_id: int = Field(foreign_key="articles.id", index=True)
    story_id: int | None = Field(default=None, index=True)
    score: float = 0.0
    evidence: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON body sent to receivers
    created_at: datetime = Field(index=True)
    # alert (a rule matched the article) | breaking (the rule's story spread unusually fast)
    kind: str = Field(default="alert", max_length=10,
                      sa_column_kwargs={"server_default": "alert"})


class AlertCopyRow(SQLModel, table=True):
    """A later copy of an alerted story from another article or source ("also reported by")."""

    __tablename__ = "alert_copies"
    __table_args__ = (
        UniqueConstraint("alert_id", "article_id", name="uq_alert_copies_alert_article"),
        Index("ix_alert_copies_alert_id", "alert_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id")
    article_id: int = Field(foreign_key="articles.id")
    source_id: int
    source: str = Field(sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, sa_column=Column(Text))
    title: str = Field(sa_column=Column(Text, nullable=False))
    language: str | None = Field(default=None, max_length=16)  # None: stored before 0610
    created_at: datetime


class DeliveryRow(SQLModel, table=True):
    """The outbox: one alert to one target, pending until delivered or dead."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "target", name="uq_deliveries_alert_target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_target_queue", "target", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int | None = Field(default=None, foreign_key="alerts.id", index=True)  # None: digest
    target: str = Field(max_length=200)
    webhook_id: str = Field(max_length=64, unique=True)  # receivers' idempotency key
    # pending | held (waiting for its digest) | digested | delivered | dead
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    delivered_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = None
    kind: str = Field(default="alert", max_length=10,
                      sa_column_kwargs={"server_default": "alert"})  # alert | digest
    payload: str | None = Field(default=None, sa_column=Column(Text))  # set for digests
    digest_id: int | None = None  # the digest delivery that carried this held one
    gated_at: datetime | None = None  # when the rule's throttle/digest policy looked at it
    retry_from: datetime | None = None  # a replay restarts the retry horizon here


class DeliveryAttemptRow(SQLModel, table=True):
    """Every attempt to send a delivery, kept for operators."""

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id", index=True)
    at: datetime
    status_code: int | None = None
    latency_ms: float | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime | None = None
    outcome: str | None = Field(default=None, max_length=20)  # delivered | failed | dead
    worker: str | None = Field(default=None, max_length=200)


class MetaRow(SQLModel, table=True):
    """Small key/value facts about the database (active rule-set version, last prune, ...)."""

    __tablename__ = "meta"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))


class TriageRow(SQLModel, table=True):
    """A person's verdict on an alert: relevant, false_alarm or muted (the whole story)."""

    __tablename__ = "alert_triage"
    __table_args__ = (Index("ix_alert_triage_rule_at", "rule_id", "at"),
                      Index("ix_alert_triage_state", "state", "alert_id"))

    alert_id: int = Field(foreign_key="alerts.id", primary_key=True,
                          sa_column_kwargs={"autoincrement": False})
    rule_id: str = Field(max_length=200)  # copied so precision per rule needs no join
    state: str = Field(max_length=20)  # relevant | false_alarm | muted
    at: datetime


class WebSubRow(SQLModel, table=True):
    """A source's WebSub subscription at its hub: reached at ``/websub/{token}``, signed with
    ``secret``. ``pending`` is the mode (subscribe | unsubscribe) awaiting the hub's check."""

    __tablename__ = "websub_subscriptions"

    token: str = Field(primary_key=True, max_length=100)
    # No foreign key: the subscription outlives its removed source until the hub lets go.
    source_id: int = Field(index=True, unique=True)
    hub: str = Field(sa_column=Column(Text, nullable=False))
    topic: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(max_length=200)
    state: str = Field(max_length=20)  # pending | active | denied | failed
    pending: str | None = Field(default=None, max_length=20)
    requested_at: datetime
    lease_seconds: int | None = None
    lease_until: datetime | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
