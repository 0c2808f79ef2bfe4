"""Shared by store and delivery tests: a poll's articles written as the poller writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from monitor.delivery.payload import alert_payload
from monitor.delivery.targets import choose
from monitor.models import Article, Match, NewAlert
from monitor.reader.stories import plan_poll
from monitor.store import PollOutcome, Store
from monitor.testing import LoopbackServer
from tests.conftest import CLI


def save_found(store: Store, source_id: int, outcome: PollOutcome,
               found: Sequence[tuple[Article, Sequence[Match]]], *, targets: Sequence[str],
               now: datetime, story_window: timedelta = timedelta(days=7)) -> list[NewAlert]:
    """``found`` (articles with their matches) saved in one poll, routed to ``targets``."""
    plan = plan_poll(found, targets=targets, route=choose, payload=alert_payload,
                     since=now - story_window)
    return store.save_poll(source_id, outcome, plan, now=now)


def alert_once_then_copies(cli: CLI, server: LoopbackServer) -> None:
    """Feed ``/a`` polled alone raises one sanctions alert; ``/b`` and ``/c``, added after it
    and polled by a new process (the story must be found in the database, not in memory),
    raise none: they are copies of its story."""
    assert cli("sources", "add", server.url("/a"), "--kind", "feed").returncode == 0
    first = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("ALERT [sanctions]") == 1
    for path in ("/b", "/c"):
        assert cli("sources", "add", server.url(path), "--kind", "feed").returncode == 0
    second = cli("run", "--once", MONITOR_SEEDS_DIR="/nonexistent")
    assert second.returncode == 0, second.stderr
    assert "ALERT [sanctions]" not in second.stdout
