"""Sources in the console: the health table, pause/resume/poll now/remove, add by URL or OPML,
all through the one subscriptions service and the store's operator queries."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.app import App
from monitor.errors import MonitorError
from monitor.store import sourcelist
from monitor.subscriptions import Subscriptions
from monitor.web.auth import checked_form
from monitor.web.render import page

MAX_OPML = 5 * 1024 * 1024


def _app(request: Request) -> App:
    app: App = request.app.state.monitor
    return app


def _subscriptions(app: App) -> Subscriptions:
    return Subscriptions.for_requests(app.store, app.settings, app.clock)


async def list_sources(request: Request, message: str | None = None,
                       status: int = 200) -> Response:
    app = _app(request)
    infos = await asyncio.to_thread(sourcelist.sources_page, app.store, limit=5000)
    return page(request, "sources.html", status=status, sources=infos, now=app.clock(),
                message=message or request.query_params.get("message"))


async def add_source(request: Request) -> Response:
    app = _app(request)
    form = await checked_form(request)
    try:
        return await _add(request, app, form)
    finally:
        await form.close()  # the upload's spooled file


async def _add(request: Request, app: App, form: FormData) -> Response:
    upload = form.get("opml")
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            data = await upload.read(MAX_OPML + 1)
            if len(data) > MAX_OPML:
                return await list_sources(request, "the OPML file is over 5 MB", 413)
            report = await asyncio.to_thread(_subscriptions(app).import_opml, data)
            skipped = "; ".join(f"{e} ({why})" for e, why in report.skipped[:5])
            message = (f"imported {len(report.added)} new, {len(report.present)} already "
                       f"there, {len(report.skipped)} skipped" + (f": {skipped}" if skipped
                                                                   else ""))
        else:
            url = str(form.get("url") or "").strip()
            if not url:
                return await list_sources(request, "give a URL or an OPML file", 422)
            added = await asyncio.to_thread(_subscriptions(app).add, url)
            message = (f"added {added.source.url}" if added.created
                       else f"{added.source.url} was already there")
            if added.warning:
                message += f" ({added.warning})"
    except MonitorError as exc:  # refused by the URL policy, not a source, not an OPML list
        return await list_sources(request, f"not added: {exc}", 422)
    return await list_sources(request, message)


async def act(request: Request) -> Response:
    """pause, resume, poll or remove one source, then back to the table with what happened."""
    app = _app(request)
    await checked_form(request)
    source_id: int = request.path_params["id"]
    action: str = request.path_params["action"]
    if action in ("pause", "resume"):
        row = await asyncio.to_thread(sourcelist.set_enabled, app.store, source_id,
                                      action == "resume", app.clock())
        message = f"{action}d {row.title or row.url}" if row else f"no source {source_id}"
    elif action == "remove":
        gone = await asyncio.to_thread(sourcelist.delete_source, app.store, source_id)
        message = f"removed source {source_id}" if gone else f"no source {source_id}"
    elif action == "poll":
        message = await _poll(app, source_id)
    else:
        return await list_sources(request, f"unknown action {action!r}", 404)
    return RedirectResponse(f"/sources?message={_q(message)}", status_code=303)


async def _poll(app: App, source_id: int) -> str:
    row = await asyncio.to_thread(sourcelist.claim_source, app.store, source_id,
                                  worker=app.settings.worker_id, now=app.clock(),
                                  lease=timedelta(seconds=app.settings.lease_seconds))
    if row is None:
        exists = await asyncio.to_thread(app.store.get_source, source_id)
        return f"source {source_id} is being polled right now" if exists \
            else f"no source {source_id}"
    report = await app.pipeline.poll(row)
    return (f"polled {row.title or row.url}: {report.status}, {report.new_articles} new articles, "
            f"{len(report.alerts)} alerts" + (f", error: {report.error}" if report.error
                                              else ""))


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:500])


routes = [
    Route("/sources", list_sources, methods=["GET"]),
    Route("/sources", add_source, methods=["POST"]),
    Route("/sources/{id:int}/{action}", act, methods=["POST"]),
]
