"""The Store: every query of monitor behind one object, composed from one mixin per concern."""

from __future__ import annotations

from monitor.store.outbox import OutboxQueries
from monitor.store.polls import PollQueries
from monitor.store.retention import RetentionQueries
from monitor.store.sources import SourceQueries
from monitor.store.websub import WebSubQueries


class Store(SourceQueries, PollQueries, OutboxQueries, RetentionQueries, WebSubQueries):
    """All database access of monitor; one instance per process, shared by the stages."""
