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


async def healthz(_request: Request) -> Response:
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
