"""The WebSub callback ``/websub/{token}``: the hub's intent verification (GET) and content
distribution (POST), answered by the app's subscriber (monitor.reader.websub)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from monitor.api.common import the_app


async def callback(request: Request) -> Response:
    subscriber = the_app(request).websub
    token = request.path_params["token"]
    if subscriber is None:
        return PlainTextResponse("no WebSub subscriptions here", status_code=404)
    if request.method == "GET":
        challenge = await subscriber.verify(token, dict(request.query_params))
        if challenge is None:
            return PlainTextResponse("no such pending request", status_code=404)
        return PlainTextResponse(challenge)
    body = await request.body()
    if not await subscriber.receive(token, body, dict(request.headers)):
        # 410: the hub may end a subscription we no longer hold (WebSub §7).
        return PlainTextResponse("no such subscription", status_code=410)
    return Response(status_code=202)
