"""The web console: server-rendered pages (Jinja2) over a running App, beside the API.

``create_console(app, evaluator)`` builds its ASGI application; the daemon mounts it at ``/``
after the API's routes, sharing the API's rule evaluator (monitor.sandbox). Pages: the alerts
inbox (``/``), rules and their workbench, sources, stories, deliveries. Access: a signed
session cookie (see ``monitor.web.auth``).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.app import App
from monitor.sandbox import Evaluator
from monitor.web import alerts, outbox, rules, sources
from monitor.web.auth import (
    COOKIE,
    ConsoleAuth,
    CsrfRefused,
    Sessions,
    csrf_refused,
    safe_next,
    set_session,
)
from monitor.web.render import HERE, environment, page


async def login_form(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    target = safe_next(request.query_params.get("next"))
    if sessions.token is None:  # loopback without a token: nothing to ask
        response: Response = RedirectResponse(target, status_code=303)
        set_session(response, sessions.issue(), request.url.scheme == "https")
        return response
    return page(request, "login.html", next=target, error=None)


async def login(request: Request) -> Response:
    sessions: Sessions = request.app.state.sessions
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    if sessions.token is None or not sessions.token_ok(str(form.get("token") or "")):
        return page(request, "login.html", status=401, next=target,
                    error="That is not the token (MONITOR_API_TOKEN) this monitor runs with.")
    response: Response = RedirectResponse(target, status_code=303)
    set_session(response, sessions.issue(), request.url.scheme == "https")
    return response


async def logout(request: Request) -> Response:
    from monitor.web.auth import checked_form

    await checked_form(request)
    response: Response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def create_console(app: App, evaluator: Evaluator) -> Starlette:
    """The console's ASGI application over ``app``; the workbench checks and tests candidate
    rules in ``evaluator``'s worker processes."""
    sessions = Sessions(app.settings.api_token)
    console = Starlette(
        routes=[
            Route("/login", login_form, methods=["GET"]),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
            *alerts.routes, *rules.routes, *sources.routes, *outbox.routes,
        ],
        middleware=[Middleware(ConsoleAuth, sessions=sessions)],
        exception_handlers={CsrfRefused: csrf_refused},
    )
    console.state.monitor = app
    console.state.sessions = sessions
    console.state.evaluator = evaluator
    console.state.jinja = environment()
    return console


__all__ = ["create_console"]
