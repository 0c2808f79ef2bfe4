"""A poll's intake: which of a source's items are read (newest first, up to a cap), their
articles, which of those are new, and the problems the source records."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from monitor.clock import aware
from monitor.errors import shorten
from monitor.models import Article, RawItem
from monitor.reader.article import declared_language, extract
from monitor.store.records import dedupe_key
from monitor.store.tables import SourceRow

log = logging.getLogger("monitor.reader.poller")
_LOGGED = 20  # problems of one poll logged one by one; the rest are counted


def newest(items: Sequence[RawItem], limit: int) -> Sequence[RawItem]:
    """At most ``limit`` items: the newest dated ones first, then undated ones in the order the
    source lists them (feeds list the newest first)."""
    if len(items) <= limit:
        return items
    order = sorted(range(len(items)), key=lambda k: (
        items[k].published is None,
        -(items[k].published.timestamp()) if items[k].published else k))  # type: ignore[union-attr]
    return [items[k] for k in sorted(order[:limit])]


def read_newest(items: Sequence[RawItem], limit: int) -> tuple[Sequence[RawItem], int]:
    """The newest ``limit`` items, and the characters all of them hold (CPU work on a
    100,000-item feed: a tenth of a second of sorting, run in a thread)."""
    return newest(items, limit), sum(len(i.content) + len(i.title) for i in items)


def capped(read: int, kept: int) -> list[str]:
    """The problem a poll records when it read only the newest ``kept`` of ``read`` items."""
    return [f"{read} items: read the newest {kept} (MONITOR_MAX_ITEMS_PER_POLL)"] \
        if kept < read else []


# A feed declares one language for its items; a sure detection of its first few (about 1 ms
# each) says whether it tells the truth, and only a feed caught misdeclaring has every item
# checked: detecting every item of every feed cost 15 % of a first poll.
LANGUAGE_SPOT_CHECKS = 5


def extract_items(items: Sequence[RawItem], source_id: int, labels: tuple[str, ...],
             now: datetime) -> tuple[list[tuple[RawItem, Article]], set[str]]:
    """The articles of the raw items, each with the item it came from, and the dedupe keys of
    the undated ones (CPU work: a thread)."""
    pairs = []
    believed = True
    for n, item in enumerate(items):
        article = extract(item, source_id=source_id, labels=labels,
                          check_language=n < LANGUAGE_SPOT_CHECKS or not believed)
        if article.language != (declared_language(item) or article.language):
            believed = False  # a feed caught misdeclaring has all its items checked
        pairs.append((item, article))
    pairs = [(item, a) for item, a in pairs if a.title or a.body]
    undated = {dedupe_key(a) for _item, a in pairs if a.published is None}
    # Undated items are kept: their time is the time we first saw them.
    return [(item, a if a.published else replace(a, published=now))
            for item, a in pairs], undated


def fresh(articles: Sequence[Article], known: set[str]) -> list[Article]:
    """Articles not stored yet (not in ``known``), each once (a feed may list one twice)."""
    seen: set[str] = set()
    fresh = []
    for a in articles:
        key = dedupe_key(a)
        if key in known or key in seen or a.content_hash in seen:
            continue
        seen.update((key, a.content_hash))
        fresh.append(a)
    return fresh


def logged_problems(notes: Sequence[str], source_id: int) -> str | None:
    """The problems of a good poll as its source records them: a folder of 10,000 links out is
    10,000 problems, of which the first ones are recorded and logged, the rest counted."""
    for problem in notes[:_LOGGED]:
        log.warning("source.poll.problem", extra={"source": source_id, "problem": problem})
    if len(notes) > _LOGGED:
        log.warning("source.poll.problem", extra={
            "source": source_id, "problem": f"and {len(notes) - _LOGGED} more problems"})
    return shorten("; ".join(notes)) if notes else None


def is_backlog(row: SourceRow, undated: set[str], grace: timedelta
               ) -> Callable[[Article], bool]:
    """Whether a new article of this source is its backlog: stored, never alerted.

    A dated article is backlog when published more than ``grace`` before the source was
    added; an undated one (``undated``: dedupe keys) when seen on the source's first poll,
    which cannot tell it from the rest of what the source listed when it was added; after
    that, an undated article not seen before is new. A sample source has no backlog: it is
    there to show alerts.
    """
    if row.sample or grace < timedelta(0):  # a negative grace: no backlog at all
        return lambda _a: False
    first = row.first_polled_at is None
    cutoff = aware(row.created_at) - grace

    def old(a: Article) -> bool:
        if dedupe_key(a) in undated:
            return first
        return a.published is not None and aware(a.published) < cutoff

    return old
