"""API handlers for rules: the set in force, validate a candidate, test it, backtest it."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from monitor.api.common import (
    ApiError,
    http_url,
    int_param,
    json_body,
    limit_param,
    the_app,
)
from monitor.api.openapi import BACKTEST, TEST, VALIDATE
from monitor.app import make_fetcher
from monitor.errors import RuleError, SourceError
from monitor.evaluations import (
    build_candidate,
    located,
    rule_dict,
    test_in_worker,
    validate_in_worker,
)
from monitor.models import RawItem
from monitor.rules.backtest import backtest, matcher_for, parse_since
from monitor.sandbox import Busy, Evaluator, Refused


async def list_rules(request: Request) -> Response:
    app = the_app(request)
    limit = limit_param(request)
    offset = int_param(request, "offset", 0) or 0
    rules = app.matcher.rules
    chunk = rules[offset:offset + limit]
    more = offset + limit < len(rules)
    next_link = str(request.url.include_query_params(offset=offset + limit)) if more else None
    status = app.reloader.status.to_dict() if app.reloader else {}
    return JSONResponse({"version": app.matcher.version,
                         "items": [rule_dict(r) for r in chunk],
                         "next": next_link, "next_cursor": None,
                         "rejected_change": status.get("rules_rejected")})


async def _evaluate(request: Request, fn: Any, *args: Any) -> dict[str, Any]:
    """``fn(*args)`` in the API's evaluator, its limits turned into answers naming them."""
    evaluator: Evaluator = request.app.state.evaluator
    try:
        result: dict[str, Any] = await evaluator.run(fn, *args, gone=request.is_disconnected)
    except Refused as exc:
        retry = {"retry-after": "5"} if isinstance(exc, Busy) else None
        raise ApiError(exc.status, exc.code, str(exc), headers=retry) from None
    return result


async def validate_rule(request: Request) -> Response:
    data = await json_body(request, VALIDATE)
    rules_dir = the_app(request).settings.rules_dir
    return JSONResponse(await _evaluate(request, validate_in_worker, rules_dir, data))


async def test_rule(request: Request) -> Response:
    """Match a candidate rule against a text, or against the page at a URL, with evidence."""
    app = the_app(request)
    data = await json_body(request, TEST)
    rules_dir = app.settings.rules_dir
    if "url" in data:
        checked = await _evaluate(request, test_in_worker, rules_dir, data, None)
        if "problems" in checked:  # an invalid rule fetches nothing
            raise ApiError(422, "invalid_rule", "the rule is invalid",
                           problems=checked["problems"])
        fetcher = make_fetcher(app.http, app.settings)  # the URL policy applies here too
        try:
            got = await fetcher.get(http_url(data["url"]))
        except SourceError as exc:
            raise ApiError(422, "fetch_failed", str(exc)) from None
        ctype = got.headers.get("content-type", "text/html")
        item = RawItem(title=data.get("title", ""),
                       content=got.content.decode("utf-8", errors="replace"),
                       content_type="text/html" if "html" in ctype or "xml" in ctype
                       else "text/plain", url=got.url, language=data.get("language"))
    else:
        item = RawItem(title=data.get("title", ""), content=data["text"],
                       language=data.get("language"))
    result = await _evaluate(request, test_in_worker, rules_dir, data, item)
    if "problems" in result:
        raise ApiError(422, "invalid_rule", "the rule is invalid", problems=result["problems"])
    return JSONResponse(result)


async def backtest_rule(request: Request) -> Response:
    app = the_app(request)
    data = await json_body(request, BACKTEST)
    now = app.clock()
    since = parse_since(data.get("since", "30d"), now)
    if "id" not in data:
        # A candidate is checked within the evaluator's bounds first, as the console does: a
        # hostile query costs a killable worker, not a thread of the daemon; building it below
        # then costs what it cost there.
        checked = await _evaluate(request, validate_in_worker, app.settings.rules_dir, data)
        if not checked["valid"]:
            raise ApiError(422, "invalid_rule", "the rule is invalid",
                           problems=checked["problems"])

    def run() -> dict[str, Any]:
        if "id" in data:
            matcher, ids = matcher_for(data["id"], app.settings.rules_dir, files=False)
            if data["id"] not in {r.id for r in matcher.rules}:
                raise ApiError(404, "not_found", f"no rule {data['id']!r} in the rules directory")
        else:
            matcher = build_candidate(app.settings.rules_dir, data)
            ids = {r.id for r in matcher.rules}
        result = backtest(app.store, matcher, ids, since=since, until=now,
                          examples=data.get("examples", 10))
        return result.to_dict()

    try:
        return JSONResponse(await asyncio.to_thread(run))
    except RuleError as exc:
        if "id" in data and any("neither a rule file" in p.message for p in exc.problems):
            raise ApiError(404, "not_found", f"no rule {data['id']!r}") from None
        raise ApiError(422, "invalid_rule", "the rule is invalid",
                       problems=located(exc.problems)) from None


routes = [
    Route("/rules", list_rules, methods=["GET"]),
    Route("/rules/validate", validate_rule, methods=["POST"]),
    Route("/rules/test", test_rule, methods=["POST"]),
    Route("/rules/backtest", backtest_rule, methods=["POST"]),
]
