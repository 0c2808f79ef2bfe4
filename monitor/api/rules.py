"""API handlers for rules: the set in force, validate a candidate, test it, backtest it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict
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
from monitor.errors import RuleError, RuleProblem, SourceError
from monitor.models import Article, Match, RawItem
from monitor.reader.article import extract
from monitor.rules.backtest import (
    backtest,
    candidate_matcher,
    matcher_for,
    parse_since,
    query_problems,
    rule_text,
)
from monitor.rules.matcher import Matcher


def _rule_dict(rule: Any) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "query": rule.query,
            "description": rule.description, "languages": list(rule.languages),
            "sources": list(rule.sources), "severity": rule.severity,
            "tags": list(rule.tags), "notify": list(rule.notify), "file": rule.file}


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
                         "items": [_rule_dict(r) for r in chunk],
                         "next": next_link, "next_cursor": None,
                         "rejected_change": status.get("rules_rejected")})


def _candidate_text(data: dict[str, Any]) -> tuple[str, str]:
    if "yaml" in data:
        return data["yaml"], "candidate.yaml"
    return rule_text(query=data.get("query"), rule=data.get("rule")), "candidate.yaml"


def _build(request: Request, data: dict[str, Any]) -> Matcher:
    """The candidate's matcher; its warnings are located in what the client sent: a bare
    query's at ``query:line:column``, a rule's in ``candidate.yaml``."""
    app = the_app(request)
    rules_dir = app.settings.rules_dir
    bare = "yaml" not in data and "rule" not in data
    if bare:
        problems, warnings = query_problems(rules_dir, str(data.get("query") or ""))
        if problems:
            raise RuleError(problems)
    text, name = _candidate_text(data)
    matcher = candidate_matcher(rules_dir, text, name)
    if bare:
        matcher.warnings = tuple(warnings)
    return matcher


def _problems(exc: RuleError) -> list[dict[str, Any]]:
    return _located(exc.problems)


def _located(problems: Sequence[RuleProblem]) -> list[dict[str, Any]]:
    return [{**asdict(p), "text": str(p)} for p in problems]


async def validate_rule(request: Request) -> Response:
    data = await json_body(request, VALIDATE)
    try:
        matcher = await asyncio.to_thread(_build, request, data)
    except RuleError as exc:
        return JSONResponse({"valid": False, "problems": _problems(exc), "rules": [],
                             "warnings": []})
    return JSONResponse({"valid": True, "problems": [],
                         "rules": [_rule_dict(r) for r in matcher.rules],
                         "warnings": _located(matcher.warnings)})


async def test_rule(request: Request) -> Response:
    """Match a candidate rule against a text, or against the page at a URL, with evidence."""
    app = the_app(request)
    data = await json_body(request, TEST)
    try:
        matcher = await asyncio.to_thread(_build, request, data)
    except RuleError as exc:
        raise ApiError(422, "invalid_rule", "the rule is invalid",
                       problems=_problems(exc)) from None
    if "url" in data:
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

    def run() -> tuple[Article, list[Match]]:
        article = extract(item)  # parsing a fetched page is CPU work: off the loop, too
        return article, matcher.match(article)

    article, matches = await asyncio.to_thread(run)
    return JSONResponse({"matches": bool(matches),
                         "article": {"title": article.title, "language": article.language,
                                     "url": article.url, "chars": len(article.body)},
                         "results": [m.to_dict() for m in matches],
                         "warnings": _located(matcher.warnings)})


async def backtest_rule(request: Request) -> Response:
    app = the_app(request)
    data = await json_body(request, BACKTEST)
    now = app.clock()
    since = parse_since(data.get("since", "30d"), now)

    def run() -> dict[str, Any]:
        if "id" in data:
            matcher, ids = matcher_for(data["id"], app.settings.rules_dir, files=False)
            if data["id"] not in {r.id for r in matcher.rules}:
                raise ApiError(404, "not_found", f"no rule {data['id']!r} in the rules directory")
        else:
            matcher = _build(request, data)
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
                       problems=_problems(exc)) from None


routes = [
    Route("/rules", list_rules, methods=["GET"]),
    Route("/rules/validate", validate_rule, methods=["POST"]),
    Route("/rules/test", test_rule, methods=["POST"]),
    Route("/rules/backtest", backtest_rule, methods=["POST"]),
]
