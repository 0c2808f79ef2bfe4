"""The HTTP API (Starlette): health, readiness, metrics, OpenAPI, and REST under ``/api/v1``.

``create_api(app)`` builds the ASGI application over a running monitor's ``App``; the daemon
serves it with uvicorn (``monitor.daemon``), tests call it in-process with
``httpx.ASGITransport``. Every request first passes ``monitor.api.guard`` (Host, Origin, body
size and pace). Every ``/api`` route needs ``Authorization: Bearer <token>`` when a
token is configured; ``/healthz``, ``/readyz``, ``/metrics`` and ``/openapi.json`` are open.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.api import content, rules, sources, stories, websub
from monitor.api.common import ApiError, the_app
from monitor.api.guard import Guard, allowed_hosts
from monitor.api.health import Vitals, healthz, metrics, readyz
from monitor.api.openapi import document
from monitor.app import App
from monitor.errors import ConfigError, MonitorError, StoreError
from monitor.sandbox import Evaluator

log = logging.getLogger("monitor.api")


class BearerAuth:
    """Refuses a request without the right bearer token (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.token is not None:
            header = dict(scope["headers"]).get(b"authorization", b"")
            scheme, _, given = header.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(given.strip(),
                                                                       self.token):
                response = ApiError(401, "unauthorized",
                                    "a valid bearer token is required").response()
                response.headers["www-authenticate"] = 'Bearer realm="monitor"'
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _monitor_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StoreError):
        log.error("api.store.failed", extra={"path": request.url.path, "error": str(exc)})
        return ApiError(503, "database_unavailable", "the database is not reachable").response()
    if isinstance(exc, ConfigError):  # a bad value in the request (a span, a date)
        return ApiError(422, "invalid_request", str(exc)).response()
    return ApiError(422, "invalid_request", str(exc)).response()


def create_api(app: App) -> Starlette:
    """The ASGI application over ``app``."""
    v1: list[Any] = [*sources.routes, *rules.routes, *content.routes, *stories.routes]
    settings = app.settings
    origins = frozenset(o.strip().lower().rstrip("/")
                        for o in settings.api_allowed_origins.split(",") if o.strip())
    # A hub calls back under the public URL's name: that name is this daemon's too.
    public = urlsplit(settings.public_url or "").hostname or ""
    guard = Middleware(Guard, hosts=allowed_hosts(settings.api_host,
                                                  f"{settings.api_allowed_hosts},{public}"),
                       origins=origins, max_body=settings.api_max_body_bytes,
                       timeout=settings.api_request_timeout_seconds)
    api = Starlette(
        middleware=[guard],
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            # The hub holds no bearer token: the callback's secret token and signature say who.
            Route("/websub/{token}", websub.callback, methods=["GET", "POST"]),
            Mount("/api/v1", routes=v1,
                  middleware=[Middleware(BearerAuth, token=app.settings.api_token)]),
        ],
        exception_handlers={ApiError: _api_error, MonitorError: _monitor_error},
    )
    api.state.monitor = app
    api.state.openapi = document()
    api.state.vitals = Vitals(settings.health_max_lag_seconds)
    # Candidate rules are evaluated in killable processes (monitor.sandbox).
    api.state.evaluator = Evaluator(workers=settings.rule_test_concurrency,
                                    timeout=settings.rule_test_timeout_seconds,
                                    memory_bytes=settings.rule_test_memory_mb * 2**20,
                                    preload=["monitor.evaluations"])
    return api


__all__ = ["create_api", "server", "the_app"]  # server: uvicorn's settings, for the daemon
