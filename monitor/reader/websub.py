"""The WebSub subscriber (W3C WebSub): subscribe at the hub a feed advertises, answer the
hub's intent verification, take signed pushes through the poll's own pipeline, renew leases,
and unsubscribe when the source is removed.

Each subscription has its own unguessable callback ``{public_url}/websub/{token}`` and its own
``hub.secret``: a push is taken only with a valid ``X-Hub-Signature`` (checked in constant
time), and is otherwise answered 2xx as the recommendation asks (§8), dropped and counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from monitor.clock import Clock
from monitor.errors import MonitorError, StoreError
from monitor.metrics import Metrics
from monitor.reader.fetcher import FetchResult
from monitor.reader.parsers import FeedSource
from monitor.reader.poller import Pipeline
from monitor.store import Store
from monitor.store.tables import SourceRow, WebSubRow

log = logging.getLogger("monitor.reader.websub")

LEASE_SECONDS = 10 * 86400  # asked for; the hub decides
RETRY_AFTER = timedelta(hours=1)  # an unanswered or failed subscription is tried again
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
            "sha512": hashlib.sha512}


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``X-Hub-Signature: method=hex`` signs ``body`` with ``secret`` (WebSub §8)."""
    method, _, given = (header or "").strip().partition("=")
    digest = _DIGESTS.get(method.strip().lower())
    if digest is None or not given:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


class Subscriber:
    """Subscriptions of one running monitor; the store holds them for every worker."""

    def __init__(self, store: Store, pipeline: Pipeline, http: httpx.AsyncClient, clock: Clock,
                 *, public_url: str, metrics: Metrics, delivered: Callable[[], None]) -> None:
        self.store, self.pipeline, self.http, self.clock = store, pipeline, http, clock
        self.public_url = public_url.rstrip("/")
        self.metrics = metrics
        self.delivered = delivered  # starts the outbox worker after a push stored alerts
        self.tasks: set[asyncio.Task[Any]] = set()
        self.asking: set[int] = set()  # sources with a hub request in flight here

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _store(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self.pipeline._off_loop(fn, *args)

    # -- subscribing ----------------------------------------------------------------------
    def found(self, row: SourceRow, link: tuple[str, str]) -> None:
        """A poll saw ``row``'s feed advertise ``link`` (hub, topic): subscribe if needed."""
        if row.id is not None and row.id not in self.asking:
            self.asking.add(row.id)
            self._spawn(self._maybe_subscribe(row.id, *link))

    async def _maybe_subscribe(self, source_id: int, hub: str, topic: str) -> None:
        try:
            old: WebSubRow | None = await self._store(self.store.websub_of_source, source_id)
            now = self.clock()
            if old is not None and (old.hub, old.topic) == (hub, topic) and (
                    old.state == "active" or (_aware(old.requested_at) or now) > now - RETRY_AFTER):
                return
            row = WebSubRow(token=secrets.token_urlsafe(32), source_id=source_id, hub=hub,
                            topic=topic, secret=secrets.token_hex(32), state="pending",
                            pending="subscribe", requested_at=now)
            await self._store(self.store.websub_put, row)
            await self._ask(row, "subscribe")
        finally:
            self.asking.discard(source_id)

    async def _ask(self, row: WebSubRow, mode: str) -> bool:
        """Send a (un)subscription request to the hub; its verification follows (§5.1)."""
        form = {"hub.mode": mode, "hub.topic": row.topic,
                "hub.callback": f"{self.public_url}/websub/{row.token}"}
        if mode == "subscribe":
            form |= {"hub.secret": row.secret, "hub.lease_seconds": str(LEASE_SECONDS)}
        try:
            answer = await self.http.post(row.hub, data=form)
            error = None if answer.is_success else f"the hub answered HTTP {answer.status_code}"
        except (httpx.HTTPError, MonitorError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if error is not None:
            row.error = error
            if row.state == "pending":
                row.state = "failed"
            await self._store(self.store.websub_put, row)
            log.warning("websub.request.failed", extra={"source": row.source_id, "mode": mode,
                                                        "hub": row.hub, "error": error})
            return False
        log.info("websub.requested", extra={"source": row.source_id, "mode": mode,
                                            "hub": row.hub})
        return True

    # -- the hub's calls ------------------------------------------------------------------
    async def verify(self, token: str, query: Mapping[str, str]) -> str | None:
        """The challenge to echo for a verification of a pending request of this callback
        with the same topic and mode; None (answered 404) for anything else (§5.3)."""
        row: WebSubRow | None = await self._store(self.store.websub_by_token, token)
        mode, topic = query.get("hub.mode", ""), query.get("hub.topic", "")
        if row is None or not hmac.compare_digest(topic.encode(), row.topic.encode()):
            return None
        if mode == "denied":
            row.state, row.pending, row.error = "denied", None, query.get("hub.reason", "denied")
            await self._store(self.store.websub_put, row)
            log.warning("websub.denied", extra={"source": row.source_id, "error": row.error})
            return ""
        challenge = query.get("hub.challenge")
        if challenge is None or mode != row.pending:
            return None
        if mode == "unsubscribe":
            await self._store(self.store.websub_delete, token)
            self.pipeline.subscribed.discard(row.source_id)
        else:
            lease = query.get("hub.lease_seconds", "")
            now = self.clock()
            row.lease_seconds = int(lease) if lease.isdigit() else None
            row.lease_until = now + timedelta(seconds=row.lease_seconds or LEASE_SECONDS)
            row.state, row.pending, row.error = "active", None, None
            await self._store(self.store.websub_put, row)
            self.pipeline.subscribed.add(row.source_id)
        log.info("websub.verified", extra={"source": row.source_id, "mode": mode})
        return challenge

    async def receive(self, token: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """A content distribution (§7): taken (in the background) when signed with the
        subscription's secret; False when unknown (404). A bad signature is dropped."""
        row: WebSubRow | None = await self._store(self.store.websub_by_token, token)
        if row is None or row.state != "active":
            return False
        if not signature_ok(row.secret, body, headers.get("x-hub-signature")):
            reason = "missing" if not headers.get("x-hub-signature") else "bad"
            self.metrics.websub_rejected.labels(reason).inc()
            log.warning("websub.push.rejected", extra={"source": row.source_id,
                                                       "reason": f"{reason} signature"})
            return True
        self._spawn(self._take(row, body, dict(headers)))
        return True

    async def _take(self, sub: WebSubRow, body: bytes, headers: dict[str, str]) -> None:
        try:
            row: SourceRow | None = await self._store(self.store.get_source, sub.source_id)
            if row is None or not row.enabled:
                return
            fetched = FetchResult(row.url, 200, "ok", body, {
                "content-type": headers.get("content-type", "application/xml")})
            result = await FeedSource(row.url, self.pipeline.fetcher).read(fetched)
            report = await self.pipeline.take(row, result, pushed=True)
            self.metrics.websub_pushes.inc()
            log.info("websub.push.taken", extra={"source": row.id, "new": report.new_articles,
                                                 "alerts": len(report.alerts)})
            if report.alerts:
                self.delivered()
        except Exception as exc:  # a bad push costs itself, never the daemon
            log.warning("websub.push.failed", extra={"source": sub.source_id,
                                                     "error": f"{type(exc).__name__}: {exc}"})

    # -- upkeep ---------------------------------------------------------------------------
    async def maintain(self) -> None:
        """Renew leases past half their time, unsubscribe removed sources, and forget what
        the hub let lapse (each poll tick)."""
        now = self.clock()
        active: set[int] = set()
        try:
            views = await self._store(self.store.websub_all)
        except StoreError as exc:  # the database is away: the next tick tries again
            log.warning("websub.request.failed", extra={"error": str(exc)})
            return
        for view in views:
            row = view.row
            until = _aware(row.lease_until)
            stale = (_aware(row.requested_at) or now) <= now - RETRY_AFTER  # unanswered
            if not view.source_enabled:
                if row.pending != "unsubscribe" or stale:
                    row.pending, row.requested_at = "unsubscribe", now
                    await self._store(self.store.websub_put, row)
                    await self._ask(row, "unsubscribe")
                continue
            if row.state != "active" or until is None:
                continue
            if until <= now:
                row.state = "failed"
                row.error = "the lease ran out"
                await self._store(self.store.websub_put, row)
                continue
            active.add(row.source_id)
            renew_at = until - timedelta(seconds=row.lease_seconds or LEASE_SECONDS) / 2
            if now >= renew_at and (row.pending is None or stale):
                row.pending, row.requested_at = "subscribe", now
                await self._store(self.store.websub_put, row)
                await self._ask(row, "subscribe")
        self.pipeline.subscribed.clear()
        self.pipeline.subscribed.update(active)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
