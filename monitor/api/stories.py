"""API handlers for stories: the articles that tell one story, their sources, languages, the
rules that alerted on them and their breaking alerts (list with filters, show)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.api.common import ApiError, int_param, limit_param, page, path_id, the_app, time_param
from monitor.store import storylist


async def list_stories(request: Request) -> Response:
    app = the_app(request)
    limit = limit_param(request)
    q = request.query_params
    f = storylist.StoryFilter(since=time_param(request, "since"), rule=q.get("rule") or None,
                              language=q.get("language") or None,
                              min_sources=int_param(request, "min_sources", None, minimum=1))
    before = int_param(request, "cursor", None, minimum=0) or None
    views = await asyncio.to_thread(storylist.stories_page, app.store, f, limit=limit + 1,
                                    before=before)
    items = [v.to_dict() for v in views]
    return page(request, items, limit, items[-1]["id"] if items else None)


async def get_story(request: Request) -> Response:
    app = the_app(request)
    story_id = path_id(request)
    view = await asyncio.to_thread(storylist.get_story, app.store, story_id)
    if view is None:
        kept = await asyncio.to_thread(storylist.merged_into, app.store, story_id)
        if kept is not None:
            # Alerts already sent name the merged story: moved for good, as a renamed
            # resource is (a client following redirects gets the story it is part of).
            raise ApiError(301, "merged", f"story {story_id} was merged into story {kept}",
                           headers={"Location": f"{request.url.path.rsplit('/', 1)[0]}/{kept}"},
                           story=kept)
        raise ApiError(404, "not_found", f"no story {story_id}")
    return JSONResponse(view.to_dict())


routes = [
    Route("/stories", list_stories, methods=["GET"]),
    Route("/stories/{id}", get_story, methods=["GET"]),
]
