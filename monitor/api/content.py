"""API handlers for what the daemon stored: articles (list, search, show) and alerts (list,
show, replay)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.api.common import (
    ApiError,
    alert_dict,
    article_dict,
    delivery_dict,
    int_param,
    json_body,
    limit_param,
    page,
    path_id,
    the_app,
    time_param,
)
from monitor.api.openapi import REPLAY, TRIAGE
from monitor.store import alertlist, articlelist, triage


def _before(request: Request) -> int | None:
    cursor = int_param(request, "cursor", None, minimum=0)
    return cursor if cursor else None


async def list_articles(request: Request) -> Response:
    app = the_app(request)
    limit = limit_param(request)
    f = articlelist.ArticleFilter(text=request.query_params.get("q") or None,
                          language=request.query_params.get("language") or None,
                          source_id=int_param(request, "source", None, minimum=1),
                          since=time_param(request, "since"), until=time_param(request, "until"))
    rows = await asyncio.to_thread(articlelist.articles_page, app.store, f, limit=limit + 1,
                                   before=_before(request))
    return page(request, [article_dict(a) for a in rows], limit, rows[-1].id if rows else None)


async def get_article(request: Request) -> Response:
    app = the_app(request)
    article_id = path_id(request)
    row = await asyncio.to_thread(articlelist.get_article, app.store, article_id)
    if row is None:
        raise ApiError(404, "not_found", f"no article {article_id}")
    return JSONResponse(article_dict(row, body=True))


async def list_alerts(request: Request) -> Response:
    app = the_app(request)
    limit = limit_param(request)

    def load() -> list[dict[str, object]]:
        rows = alertlist.alerts_page(app.store, limit=limit + 1, before=_before(request),
                               rule=request.query_params.get("rule") or None,
                               since=time_param(request, "since"))
        ids = [a.id for a in rows if a.id]
        deliveries = alertlist.deliveries_of(app.store, ids)
        states = triage.triage_of(app.store, ids)
        return [alert_dict(a, deliveries.get(a.id or 0, []), states.get(a.id or 0))
                for a in rows]

    items = await asyncio.to_thread(load)
    last = items[-1]["id"] if items else None
    return page(request, items, limit, last if isinstance(last, int) else None)


async def get_alert(request: Request) -> Response:
    app = the_app(request)
    alert_id = path_id(request)

    def load() -> dict[str, object] | None:
        rows = alertlist.alerts_page(app.store, limit=1, before=alert_id + 1)
        if not rows or rows[0].id != alert_id:
            return None
        return alert_dict(rows[0], alertlist.deliveries_of(app.store, [alert_id]).get(alert_id, []),
                          triage.triage_of(app.store, [alert_id]).get(alert_id))

    alert = await asyncio.to_thread(load)
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return JSONResponse(alert)


async def replay_alert(request: Request) -> Response:
    """Queue an alert for delivery again; the deliverer sends it at its next tick."""
    app = the_app(request)
    alert_id = path_id(request)
    data = await json_body(request, REPLAY, optional=True)
    configured = list(app.deliverer.lanes)
    targets = data.get("targets") or configured
    unknown = sorted(set(targets) - set(configured))
    if unknown:
        raise ApiError(422, "unknown_target", f"no target named {', '.join(unknown)} is "
                       f"configured (configured: {', '.join(configured) or 'none'})")
    if not targets:
        raise ApiError(409, "no_targets", "no delivery target is configured "
                       "(set MONITOR_WEBHOOK_URL)")
    rows = await asyncio.to_thread(alertlist.replay_alert, app.store, alert_id, targets,
                                   app.clock())
    if rows is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return JSONResponse({"alert": alert_id, "deliveries": [delivery_dict(d) for d in rows]})


async def triage_alert(request: Request) -> Response:
    """Record a person's verdict on an alert; muting covers every alert of its story."""
    app = the_app(request)
    alert_id = path_id(request)
    data = await json_body(request, TRIAGE)
    ids = await asyncio.to_thread(triage.set_triage, app.store, alert_id, data["state"],
                                  app.clock())
    if ids is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return JSONResponse({"alert": alert_id, "triage": data["state"], "alerts": ids})


routes = [
    Route("/articles", list_articles, methods=["GET"]),
    Route("/articles/{id}", get_article, methods=["GET"]),
    Route("/alerts", list_alerts, methods=["GET"]),
    Route("/alerts/{id}", get_alert, methods=["GET"]),
    Route("/alerts/{id}/replay", replay_alert, methods=["POST"]),
    Route("/alerts/{id}/triage", triage_alert, methods=["POST"]),
]
