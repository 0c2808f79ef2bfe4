"""The console's access: a signed session cookie (after the token at the login form, or at
once on loopback when no token is set) and a CSRF token per session, checked on every POST."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "monitor_session"
MAX_AGE = 7 * 24 * 3600
OPEN_PATHS = ("/login", "/static/")


class Sessions:
    """Signs and checks session cookies ``sid.expiry.signature`` with a key of its own."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        # With a token the key derives from it (cookies survive a restart and die with a new
        # token); without one a fresh key per process is enough, since login is automatic.
        seed = token.encode() if token else secrets.token_bytes(32)
        self.key = hmac.new(seed, b"monitor console session", hashlib.sha256).digest()

    def _sign(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> str:
        body = f"{secrets.token_hex(16)}.{int((now or time.time()) + MAX_AGE)}"
        return f"{body}.{self._sign(body)}"

    def check(self, cookie: str | None, now: float | None = None) -> str | None:
        """The session id of a valid, unexpired cookie, else None."""
        if not cookie or cookie.count(".") != 2:
            return None
        sid, expiry, sig = cookie.split(".")
        if not hmac.compare_digest(sig, self._sign(f"{sid}.{expiry}")):
            return None
        if not expiry.isdigit() or int(expiry) < (now or time.time()):
            return None
        return sid

    def csrf(self, sid: str) -> str:
        return self._sign(f"csrf:{sid}")

    def token_ok(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode(),
                                                               self.token.encode())


def _loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return True  # in-process callers (tests) have no peer address
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return client[0] in ("localhost", "testclient")


class ConsoleAuth:
    """Lets a request through with a valid session; sends people to the login form otherwise."""

    def __init__(self, app: ASGIApp, sessions: Sessions) -> None:
        self.app, self.sessions = app, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.sessions.token is None and not _loopback(scope):
            await PlainTextResponse("the console without MONITOR_API_TOKEN answers loopback "
                                    "only", status_code=403)(scope, receive, send)
            return
        request = Request(scope)
        sid = self.sessions.check(request.cookies.get(COOKIE))
        scope.setdefault("state", {})["sid"] = sid
        if sid is None and not scope["path"].startswith(OPEN_PATHS):
            response: Response
            if scope["method"] in ("GET", "HEAD"):
                target = scope["path"] + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
            else:
                response = PlainTextResponse("log in first", status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def safe_next(value: str | None) -> str:
    """A local path to go back to; anything else (another site) becomes the inbox."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def set_session(response: Response, cookie: str, secure: bool) -> None:
    response.set_cookie(COOKIE, cookie, max_age=MAX_AGE, httponly=True, samesite="strict",
                        secure=secure, path="/")


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after its CSRF token (field ``csrf`` or header ``x-csrf-token``)
    matched the session's; a 403 response is raised as CsrfRefused otherwise."""
    form = await request.form()
    given = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
    sid: str | None = request.scope.get("state", {}).get("sid")
    sessions: Sessions = request.app.state.sessions
    if sid is None or not hmac.compare_digest(given, sessions.csrf(sid)):
        raise CsrfRefused()
    return form


class CsrfRefused(Exception):
    """A POST without the session's CSRF token: answered 403."""


async def csrf_refused(_request: Request, _exc: Any) -> Response:
    return PlainTextResponse("the form's CSRF token is missing or stale: reload the page",
                             status_code=403)
