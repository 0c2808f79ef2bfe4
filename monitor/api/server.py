"""How uvicorn serves the API: a deadline on each request's head, bounded connections.

uvicorn times out idle keep-alive connections but not a request head that never ends: 500
clients sending half a request would hold 500 connections forever. ``HeadDeadline`` gives each
request head ``MONITOR_API_REQUEST_TIMEOUT_SECONDS`` from the connection's start (or from the
previous response) and closes the connection when it has not arrived; the body's own deadline
is ``monitor.api.guard``'s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS = 1000  # beyond, uvicorn answers 503 at once instead of queueing


def head_deadline(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a deadline on each request head."""

    class HeadDeadline(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _waiting_for: object = None

        def _arm(self) -> None:
            self._disarm()
            self._waiting_for = self.cycle  # the head has come when a new cycle starts
            self._deadline = self.loop.call_later(seconds, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            idle = self.cycle is None or self.cycle.response_complete  # no request running
            if self.cycle is self._waiting_for and idle and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._deadline is not None and self.cycle is not self._waiting_for:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeadDeadline


def server_config(api: Starlette, request_timeout: float) -> uvicorn.Config:
    return uvicorn.Config(api, log_config=None, access_log=False, lifespan="off",
                          timeout_graceful_shutdown=5, http=head_deadline(request_timeout),
                          limit_concurrency=MAX_CONNECTIONS, h11_max_incomplete_event_size=16384)
