"""API handlers for sources: list, add, show, remove, pause, resume, poll now."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.api.common import ApiError, int_param, json_body, limit_param, page, path_id, the_app
from monitor.api.openapi import NEW_SOURCE
from monitor.app import App
from monitor.errors import SourceError, URLPolicyError
from monitor.store import SourceInfo, Store, sourcelist
from monitor.subscriptions import Subscriptions, source_dict


async def list_sources(request: Request) -> Response:
    app = the_app(request)
    limit = limit_param(request)
    after = _cursor(request)
    infos = await asyncio.to_thread(sourcelist.sources_page, app.store, limit=limit + 1,
                                    after=after)
    last = infos[-1].source.id if infos else None
    return page(request, [source_dict(i) for i in infos], limit, last)


def _cursor(request: Request) -> int:
    return int_param(request, "cursor", 0) or 0


def _info(store: Store, source_id: int) -> SourceInfo:
    for info in sourcelist.sources_page(store, limit=1, after=source_id - 1):
        if info.source.id == source_id:
            return info
    raise ApiError(404, "not_found", f"no source {source_id}")


def _subscriptions(app: App) -> Subscriptions:
    return Subscriptions.for_requests(app.store, app.settings, app.clock)


async def add_source(request: Request) -> Response:
    """201 with a new source, 200 with the one already there, 422 when it cannot be added."""
    app = the_app(request)
    data = await json_body(request, NEW_SOURCE)
    try:
        # The URL policy may resolve the host's name: blocking, so off the event loop.
        added = await asyncio.to_thread(
            _subscriptions(app).add, data["url"], kind=data.get("kind"),
            interval=data.get("interval"), labels=data.get("labels") or ())
    except URLPolicyError as exc:
        raise ApiError(422, "url_refused", str(exc)) from None
    except SourceError as exc:
        raise ApiError(422, "invalid_source", str(exc)) from None
    assert added.source.id is not None
    info = await asyncio.to_thread(_info, app.store, added.source.id)
    return JSONResponse(source_dict(info), status_code=201 if added.created else 200)


async def get_source(request: Request) -> Response:
    app = the_app(request)
    info = await asyncio.to_thread(_info, app.store, path_id(request))
    return JSONResponse(source_dict(info))


async def remove_source(request: Request) -> Response:
    app = the_app(request)
    source_id = path_id(request)
    if not await asyncio.to_thread(sourcelist.delete_source, app.store, source_id):
        raise ApiError(404, "not_found", f"no source {source_id}")
    return Response(status_code=204)


async def _set_enabled(request: Request, enabled: bool) -> Response:
    app = the_app(request)
    source_id = path_id(request)
    row = await asyncio.to_thread(sourcelist.set_enabled, app.store, source_id, enabled,
                                  app.clock())
    if row is None:
        raise ApiError(404, "not_found", f"no source {source_id}")
    return JSONResponse(source_dict(await asyncio.to_thread(_info, app.store, source_id)))


async def pause_source(request: Request) -> Response:
    return await _set_enabled(request, False)


async def resume_source(request: Request) -> Response:
    return await _set_enabled(request, True)


async def poll_source(request: Request) -> Response:
    """Poll one source now, whatever its schedule, and answer with what the poll did."""
    app = the_app(request)
    source_id = path_id(request)
    if await asyncio.to_thread(app.store.get_source, source_id) is None:
        raise ApiError(404, "not_found", f"no source {source_id}")
    row = await asyncio.to_thread(sourcelist.claim_source, app.store, source_id,
                                  worker=app.settings.worker_id, now=app.clock(),
                                  lease=timedelta(seconds=app.settings.lease_seconds))
    if row is None:
        raise ApiError(409, "busy", f"source {source_id} is being polled right now")
    report = await app.pipeline.poll(row)
    info = await asyncio.to_thread(_info, app.store, source_id)
    return JSONResponse({**source_dict(info), "poll": {
        "status": report.status, "items": report.items, "new_articles": report.new_articles,
        "alerts": [{"id": a.alert_id, "rule": a.rule_id, "title": a.article_title}
                   for a in report.alerts], "error": report.error}})


routes = [
    Route("/sources", list_sources, methods=["GET"]),
    Route("/sources", add_source, methods=["POST"]),
    Route("/sources/{id}", get_source, methods=["GET"]),
    Route("/sources/{id}", remove_source, methods=["DELETE"]),
    Route("/sources/{id}/pause", pause_source, methods=["POST"]),
    Route("/sources/{id}/resume", resume_source, methods=["POST"]),
    Route("/sources/{id}/poll", poll_source, methods=["POST"]),
]
