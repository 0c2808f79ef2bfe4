"""One poll of one source: fetch -> extract -> dedupe -> match -> store, in one transaction."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from monitor.clock import Clock
from monitor.errors import SourceError, StoreError
from monitor.metrics import Metrics
from monitor.models import Article, Match, NewAlert
from monitor.reader.article import extract
from monitor.reader.fetcher import Fetcher, Validators
from monitor.reader.pages import read_pages
from monitor.reader.parsers import make_source
from monitor.reader.parsers.base import PollResult
from monitor.reader.schedule import ScheduleBounds, next_after_failure, next_after_success
from monitor.rules.matcher import Matcher
from monitor.store import PollOutcome, Store, dedupe_key
from monitor.store.tables import SourceRow

log = logging.getLogger("monitor.reader.poller")

MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class PollReport:
    """What one poll did, for the console, logs and metrics."""

    source_id: int
    location: str
    status: str  # ok | not_modified | error | rate_limited | gone
    items: int = 0
    new_articles: int = 0
    alerts: list[NewAlert] = field(default_factory=list)
    error: str | None = None


class Pipeline:
    """Polls sources and writes what they hold; the store decides which are due."""

    def __init__(self, store: Store, matcher: Callable[[], Matcher], fetcher: Fetcher,
                 clock: Clock, *, targets: Sequence[str], worker: str,
                 concurrency: int = 16, rng: random.Random | None = None,
                 bounds: ScheduleBounds | None = None, alert_per_story: bool = True,
                 story_window: timedelta = timedelta(days=7),
                 lease: timedelta = timedelta(minutes=10),
                 metrics: Metrics | None = None, sitemap_pages: int = 30) -> None:
        self.store = store
        self.sitemap_pages = sitemap_pages  # pages of new sitemap entries read per poll
        self.metrics = metrics
        self.matcher = matcher  # a callable, so a rule reload takes effect at the next poll
        self.fetcher = fetcher
        self.clock = clock
        self.targets = list(targets)
        self.worker = worker
        self.semaphore = asyncio.Semaphore(concurrency)
        self.rng = rng or random.Random()
        self.bounds = bounds or ScheduleBounds()
        self.alert_per_story = alert_per_story
        self.story_window = story_window
        self.concurrency = concurrency
        self.lease = lease  # how long a claimed source is ours before others may take it

    async def poll_due(self, *, everything: bool = False, limit: int | None = 5000,
                       claimed: Callable[[int], None] | None = None,
                       polled: Callable[[PollReport], None] | None = None,
                       ) -> list[PollReport]:
        """Claim the due sources (``everything``: every enabled one, however many) and poll
        them. ``claimed`` hears how many were claimed at once (``everything`` only), and
        ``polled`` hears of each poll as it ends: the CLI's progress bar."""
        if everything:
            rows = self.store.claim_sources(self.clock(), worker=self.worker, lease=self.lease,
                                            limit=None, due_only=False)
            if claimed is not None:
                claimed(len(rows))

            async def one(row: SourceRow) -> PollReport:
                report = await self.poll(row)
                if polled is not None:
                    polled(report)
                return report

            return list(await asyncio.gather(*(one(row) for row in rows)))
        # Claim one source per free slot, not everything due at once: a lease starts at its
        # claim, so a source waiting here behind others could see its lease run out and be
        # polled a second time by another worker; other workers also get their share.
        reports: list[PollReport] = []
        polling: set[int] = set()

        async def slot() -> None:
            while limit is None or len(reports) < limit:
                try:
                    rows = self.store.claim_sources(self.clock(), worker=self.worker,
                                                    lease=self.lease, limit=1, exclude=polling)
                except StoreError as exc:  # the database is away: try again next tick
                    log.warning("source.claim.failed", extra={"error": str(exc)})
                    return
                if not rows:
                    return
                sid = rows[0].id or 0
                polling.add(sid)
                try:
                    report = await self.poll(rows[0])
                    reports.append(report)
                    if polled is not None:
                        polled(report)
                finally:
                    polling.discard(sid)

        await asyncio.gather(*(slot() for _ in range(self.concurrency)))
        return reports

    async def poll(self, row: SourceRow) -> PollReport:
        assert row.id is not None
        async with self.semaphore:
            started = time.monotonic()
            try:
                report = await self._poll(row)
            except SourceError as exc:
                report = self._failed(row, str(exc))
            except Exception as exc:  # a bug must cost one poll, never the daemon
                log.exception("source.poll.crashed", extra={"source": row.id})
                report = self._failed(row, f"internal error: {type(exc).__name__}: {exc}")
            if self.metrics is not None:
                self.metrics.poll_done(status=report.status, seconds=time.monotonic() - started,
                                       new_articles=report.new_articles, source_id=row.id,
                                       rules=[a.rule_id for a in report.alerts])
            return report

    def _per_story(self) -> Callable[[str], bool]:
        # A rule may say for itself (``alert_per_story``); otherwise the setting decides.
        own = {r.id: bool(getattr(r, "alert_per_story", True))
               for r in self.matcher().rules
               if getattr(r, "alert_per_story", None) is not None}
        default = self.alert_per_story
        return lambda rule_id: own.get(rule_id, default)

    async def _poll(self, row: SourceRow) -> PollReport:
        assert row.id is not None
        source = make_source(row.kind, row.url, self.fetcher, auto=row.kind_auto)
        previous = Validators(row.etag, row.last_modified, row.body_hash)
        result = await source.poll(previous)
        if result.status in ("rate_limited", "gone"):
            return self._refused(row, result)
        now = self.clock()
        v = result.validators
        if result.not_modified:
            next_at = next_after_success(now, interval=row.interval_seconds, bounds=self.bounds,
                                         headers=result.headers)
            outcome = PollOutcome("not_modified", next_at, etag=v.etag,
                                  last_modified=v.last_modified, body_hash=v.body_hash,
                                  new_url=result.new_url)
            self.store.save_poll(row.id, outcome, [], targets=self.targets, now=now)
            return PollReport(row.id, row.url, "not_modified")
        labels = tuple(x for x in row.labels.split(",") if x)
        pairs = [(item, extract(item, source_id=row.id, labels=labels)) for item in result.items]
        # Undated items are kept: their time is the time we first saw them.
        pairs = [(item, a if a.published else replace(a, published=now))
                 for item, a in pairs if a.title or a.body]
        articles = [a for _item, a in pairs]
        fresh = self._fresh(row.id, articles)
        notes = list(result.problems)
        if (result.kind or row.kind) == "sitemap" and fresh and self.sitemap_pages:
            raw = {id(a): item for item, a in pairs}
            fresh, unread = await read_pages(self.fetcher, [(raw[id(a)], a) for a in fresh],
                                             self.sitemap_pages)
            notes.extend(unread)
        matcher = self.matcher()
        found: list[tuple[Article, Sequence[Match]]] = [(a, matcher.match(a)) for a in fresh]
        problems = "; ".join(notes) or None
        for problem in notes:
            log.warning("source.poll.problem", extra={"source": row.id, "problem": problem})
        next_at = next_after_success(now, interval=row.interval_seconds, bounds=self.bounds,
                                     headers=result.headers, ttl_minutes=result.ttl_minutes,
                                     published=[i.published for i in result.items])
        outcome = PollOutcome("ok", next_at, error=problems, etag=v.etag,
                              last_modified=v.last_modified, body_hash=v.body_hash,
                              new_url=result.new_url, title=result.title, kind=result.kind)
        alerts = self.store.save_poll(row.id, outcome, found, targets=self.targets, now=now,
                                      per_story=self._per_story(),
                                      story_window=self.story_window)
        log.info("source.poll.ok", extra={"source": row.id, "items": len(articles),
                                          "new": len(fresh), "alerts": len(alerts)})
        return PollReport(row.id, row.url, "ok", len(articles), len(fresh), alerts, problems)

    def _fresh(self, source_id: int, articles: list[Article]) -> list[Article]:
        """Articles not stored yet, each once (a feed may list one item twice)."""
        known = self.store.known_keys(source_id, articles)
        seen: set[str] = set()
        fresh = []
        for a in articles:
            key = dedupe_key(a)
            if key in known or key in seen or a.content_hash in seen:
                continue
            seen.update((key, a.content_hash))
            fresh.append(a)
        return fresh

    def _refused(self, row: SourceRow, result: PollResult) -> PollReport:
        """429/503 (wait as asked) or 410 (switch the source off, keep it listed)."""
        assert row.id is not None
        now = self.clock()
        plan = next_after_failure(now, interval=row.interval_seconds,
                                  failures=row.consecutive_failures,
                                  failing_since=row.failing_since, bounds=self.bounds,
                                  rng=self.rng, retry_after=result.retry_after)
        if result.status == "gone":
            error = "HTTP 410 Gone: the source was removed by its site; disabled"
            outcome = PollOutcome("gone", plan.next_check_at, error=error,
                                  disable="HTTP 410 Gone", failing_since=plan.failing_since,
                                  new_url=result.new_url)
            log.warning("source.disabled", extra={"source": row.id, "reason": "gone"})
        else:
            wait = f" (Retry-After {result.retry_after:g} s)" if result.retry_after else ""
            error = f"rate limited by the server{wait}; next poll {plan.next_check_at:%H:%M:%S}"
            outcome = PollOutcome("rate_limited", plan.next_check_at, error=error,
                                  unhealthy=plan.unhealthy, failing_since=plan.failing_since,
                                  new_url=result.new_url)
            log.warning("source.poll.rate_limited", extra={"source": row.id,
                                                           "retry_after": result.retry_after})
        self.store.save_poll(row.id, outcome, [], targets=self.targets, now=now)
        return PollReport(row.id, row.url, result.status, error=error)

    def _failed(self, row: SourceRow, error: str) -> PollReport:
        assert row.id is not None
        now = self.clock()
        # Back off exponentially with jitter so a dead host is not hammered; a source failing
        # for long is marked unhealthy and retried rarely, never silently dropped.
        plan = next_after_failure(now, interval=row.interval_seconds,
                                  failures=row.consecutive_failures,
                                  failing_since=row.failing_since, bounds=self.bounds,
                                  rng=self.rng)
        outcome = PollOutcome("error", plan.next_check_at, error=error,
                              unhealthy=plan.unhealthy, failing_since=plan.failing_since)
        self.store.save_poll(row.id, outcome, [], targets=self.targets, now=now)
        log.warning("source.poll.failed", extra={"source": row.id, "error": error,
                                                 "unhealthy": plan.unhealthy})
        return PollReport(row.id, row.url, "error", error=error)
