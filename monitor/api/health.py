"""Health endpoints: liveness, readiness with its reasons, and the Prometheus metrics."""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from monitor.api.common import iso, the_app
from monitor.app import App
from monitor.errors import MonitorError
from monitor.metrics import CONTENT_TYPE

log = logging.getLogger("monitor.api")


class Vitals:
    """Whether the event loop and the worker threads still answer in time.

    ``watch()`` (started by the daemon) sleeps a tick at a time and records how late each wake
    was; ``/healthz`` fails when a wake was later than ``max_lag`` in the last ``window``
    seconds, when the watch itself is stuck, or when a no-op handed to the worker threads
    does not come back within ``max_lag`` (every thread busy: store calls would hang).
    """

    TICK = 0.25

    def __init__(self, max_lag: float, window: float = 60.0) -> None:
        self.max_lag, self.window = max_lag, window
        self.beat: float | None = None  # loop time of the watch's last wake
        self.stalls: list[tuple[float, float]] = []  # (when, how late), within the window

    async def watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.TICK)
            now = self.beat = loop.time()
            late = now - before - self.TICK
            self.stalls = [(t, lag) for t, lag in self.stalls if now - t < self.window]
            if late > self.max_lag:
                self.stalls.append((now, late))

    async def problems(self) -> list[str]:
        reasons: list[str] = []
        now = asyncio.get_running_loop().time()
        if self.beat is not None and now - self.beat > self.max_lag + self.TICK:
            reasons.append(f"the event loop watchdog has not run for {now - self.beat:.1f} s")
        recent = [lag for t, lag in self.stalls if now - t < self.window]
        if recent:
            reasons.append(f"the event loop stalled for {max(recent):.1f} s in the last "
                           f"{self.window:g} s")
        try:
            await asyncio.wait_for(asyncio.to_thread(lambda: None), self.max_lag)
        except TimeoutError:
            reasons.append(f"the worker threads did not answer within {self.max_lag:g} s")
        return reasons


async def healthz(request: Request) -> Response:
    vitals: Vitals = request.app.state.vitals
    reasons = await vitals.problems()
    if reasons:
        return JSONResponse({"status": "unhealthy", "reasons": reasons}, status_code=503)
    return JSONResponse({"status": "ok"})


def readiness(app: App, *, detail: bool = False) -> tuple[bool, dict[str, Any]]:
    """Ready when the database answers, the scheduler ticks and a rule set is loaded.

    A rejected rule change does not make the daemon unready: the last good set is in force;
    it is reported so that whoever made the change sees why it did not apply. Why the
    database is away (its host, port and name) is logged, and told only with ``detail``
    (a request carrying the API token): ``/readyz`` is open to anyone who can reach it.
    """
    reasons: list[str] = []
    checks: dict[str, Any] = {}
    try:
        app.store.ping()
        checks["database"] = "ok"
    except MonitorError as exc:
        checks["database"] = "unreachable"
        log.warning("health.database.failed", extra={"error": str(exc)})
        reasons.append(f"database unavailable: {exc}" if detail else "database unavailable")
    last = app.ticks.get("scheduler")
    # The reload job is light and never blocked by a slow poll: its ticks show the loop runs.
    allowed = timedelta(seconds=max(30.0, 3 * app.settings.reload_seconds))
    if last is None:
        checks["scheduler"] = "not started"
        reasons.append("the scheduler has not ticked yet")
    elif app.clock() - last > allowed:
        checks["scheduler"] = "stalled"
        reasons.append(f"the scheduler last ticked at {iso(last)}")
    else:
        checks["scheduler"] = "ok"
    checks["last_ticks"] = {job: iso(at) for job, at in sorted(app.ticks.items())}
    if app.matcher.rules:
        checks["rules"] = {"version": app.matcher.version, "count": len(app.matcher.rules)}
    else:
        reasons.append("no rule is loaded")
        checks["rules"] = {"version": app.matcher.version, "count": 0}
    if app.stopping:
        reasons.append("shutting down")
    body: dict[str, Any] = {"ready": not reasons, "reasons": reasons, "checks": checks}
    if app.reloader is not None:
        status = app.reloader.status
        body["reload"] = status.to_dict()
        if status.rules_rejected:
            body["warnings"] = ["a rule change was rejected; the last good rule set "
                                f"(version {app.matcher.version}) stays in force"]
    return not reasons, body


def _has_token(request: Request, token: str | None) -> bool:
    """True when the request carries the configured API token (compared in constant time)."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), str(token).encode())


async def readyz(request: Request) -> Response:
    app = the_app(request)
    detail = _has_token(request, app.settings.api_token)
    ready, body = await asyncio.to_thread(readiness, app, detail=detail)
    return JSONResponse(body, status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    data = await asyncio.to_thread(the_app(request).metrics.render)
    return Response(data, media_type=CONTENT_TYPE)
