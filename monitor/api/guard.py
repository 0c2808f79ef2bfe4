"""What every request must pass before a handler: its Host and Origin, its body's size and pace.

A daemon on loopback without a token is still reachable from the user's browser: any page can
POST to ``http://127.0.0.1:8080`` (a "simple" cross-site request), and a DNS-rebinding page can
even read the answers under its own name. So the ``Host`` header must name this daemon
(loopback names, the bound address or ``MONITOR_API_ALLOWED_HOSTS``), and a state-changing
request that carries an ``Origin`` must come from the API's own origin or an allowed one.
Bodies are capped (``MONITOR_API_MAX_BODY_BYTES``: 413, said before reading on when the length
is declared, as soon as the cap is passed when chunked) and must arrive within
``MONITOR_API_REQUEST_TIMEOUT_SECONDS`` (408).
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.api.common import ApiError, shown

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _host_name(value: str) -> str:
    """The host of a ``Host`` header or of an origin's netloc, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    if value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def _wildcard(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


def allowed_hosts(bound: str, configured: str) -> frozenset[str] | None:
    """The host names the API answers to; None for any."""
    names = {_host_name(n) for n in configured.split(",") if n.strip()}
    if "*" in names or (not names and _wildcard(bound)):
        return None  # a wildcard bind needs a token, which a rebinding page cannot send
    return frozenset({*LOOPBACK_NAMES, _host_name(bound), *names})


class Guard:
    """The ASGI middleware in front of every route (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str] | None, origins: frozenset[str],
                 max_body: int, timeout: float) -> None:
        self.app, self.hosts, self.origins = app, hosts, origins
        self.max_body, self.timeout = max_body, timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check(scope)
        except ApiError as exc:
            await exc.response()(scope, receive, send)
            return
        await self.app(scope, self._bounded(receive), send)

    def _too_large(self) -> ApiError:
        # The unread rest of the body is not waited for: the connection closes after this.
        return ApiError(413, "body_too_large", f"the body is larger than {self.max_body} bytes "
                        "(MONITOR_API_MAX_BODY_BYTES)", headers={"connection": "close"})

    def _check(self, scope: Scope) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if self.hosts is not None and _host_name(host) not in self.hosts:
            raise ApiError(421, "unknown_host", f"this API does not answer to the host "
                           f"{shown(host)} (MONITOR_API_ALLOWED_HOSTS)")
        origin = headers.get("origin")
        if origin is not None and scope["method"] not in SAFE_METHODS:
            parts = urlsplit(origin.strip().lower())
            own = parts.netloc == host.strip().lower() and parts.scheme in ("http", "https")
            if not own and origin.strip().lower().rstrip("/") not in self.origins:
                raise ApiError(403, "cross_origin", f"requests from the origin {shown(origin)} "
                               "are not allowed (MONITOR_API_ALLOWED_ORIGINS)")
        length = headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > self.max_body:
            raise self._too_large()

    def _bounded(self, receive: Receive) -> Receive:
        read = 0
        complete = False
        deadline: float | None = None

        async def bounded() -> Message:
            nonlocal read, complete, deadline
            if complete:  # after the body, receive() only waits for a disconnect: no limit
                return await receive()
            loop = asyncio.get_running_loop()
            if deadline is None:
                deadline = loop.time() + self.timeout
            try:
                message: dict[str, Any] = dict(await asyncio.wait_for(
                    receive(), max(0.0, deadline - loop.time())))
            except TimeoutError:
                raise ApiError(408, "request_timeout", f"the body took longer than "
                               f"{self.timeout:g} s to arrive", headers={"connection": "close"}
                               ) from None
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > self.max_body:
                    raise self._too_large()
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        return bounded
