"""Stories (clusters and their members) and deliveries (queues, breakers, dead ones, replay)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.app import App
from monitor.store import console
from monitor.web.auth import checked_form
from monitor.web.render import page


def _app(request: Request) -> App:
    app: App = request.app.state.monitor
    return app


async def stories(request: Request) -> Response:
    app = _app(request)
    every = request.query_params.get("all") == "1"
    found = await asyncio.to_thread(console.stories, app.store, limit=50, multi=not every)
    return page(request, "stories.html", stories=found, every=every)


async def deliveries(request: Request) -> Response:
    app = _app(request)

    def load() -> tuple[dict[str, dict[str, int]], list[object], dict[str, str]]:
        return (console.queue_counts(app.store), list(console.dead_deliveries(app.store,
                                                                               limit=100)),
                app.store.disabled_targets())

    counts, dead, disabled = await asyncio.to_thread(load)
    names = sorted({*app.deliverer.lanes, *counts})
    targets = [{"name": n, "counts": counts.get(n, {}), "configured": n in app.deliverer.lanes,
                "breaker_open": n in app.deliverer.lanes and app.deliverer.lanes[n].breaker.open,
                "failures": app.deliverer.lanes[n].breaker.failures
                if n in app.deliverer.lanes else 0, "disabled": disabled.get(n)}
               for n in names]
    return page(request, "deliveries.html", targets=targets, dead=dead,
                message=request.query_params.get("message"))


async def replay(request: Request) -> Response:
    app = _app(request)
    await checked_form(request)
    delivery_id: int = request.path_params["id"]
    n = await asyncio.to_thread(app.store.replay, app.clock(), ids=[delivery_id])
    message = f"delivery {delivery_id} queued again" if n else \
        f"delivery {delivery_id} is not there to replay"
    return RedirectResponse(f"/deliveries?message={message.replace(' ', '+')}",
                            status_code=303)


routes = [
    Route("/stories", stories, methods=["GET"]),
    Route("/deliveries", deliveries, methods=["GET"]),
    Route("/deliveries/{id:int}/replay", replay, methods=["POST"]),
]
