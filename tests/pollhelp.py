"""Shared by store and delivery tests: a poll's articles written as the poller writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Match, NewAlert
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store


def save_found(store: Store, source_id: int, outcome: PollOutcome,
               found: Sequence[tuple[Article, Sequence[Match]]], *, targets: Sequence[str],
               now: datetime, story_window: timedelta = timedelta(days=7)) -> list[NewAlert]:
    """``found`` (articles with their matches) saved in one poll, routed to ``targets``."""
    plan = plan_poll(found, targets=targets, route=choose, payload=alert_payload,
                     since=now - story_window)
    return store.save_poll(source_id, outcome, plan, now=now)
