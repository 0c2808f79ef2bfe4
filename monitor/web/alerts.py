"""The alerts inbox: filters in the URL, evidence highlighted, triage by click or key."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor.app import App
from monitor.store import triage
from monitor.web.auth import checked_form, safe_next
from monitor.web.render import page

PAGE = 50
SPANS = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7),
         "30d": timedelta(days=30)}
STATE_LABELS = {"relevant": "Relevant", "false_alarm": "False alarm", "muted": "Muted story"}


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 18 else None


def _filter(app: App, q: Any) -> tuple[triage.InboxFilter, dict[str, str]]:
    chosen = {k: q.get(k, "") for k in ("rule", "severity", "language", "source", "since",
                                        "state")}
    rules = [chosen["rule"]] if chosen["rule"] else []
    if chosen["severity"]:
        by_severity = [r.id for r in app.matcher.rules if r.severity == chosen["severity"]]
        rules = [r for r in rules if r in by_severity] if rules else by_severity
        rules = rules or ["\0none"]  # a severity no rule has matches nothing
    span = SPANS.get(chosen["since"])
    f = triage.InboxFilter(rules=rules, language=chosen["language"] or None,
                           source_id=_int(chosen["source"]),
                           since=app.clock() - span if span else None,
                           state=chosen["state"] if chosen["state"] in (*triage.STATES,
                                                                        "untriaged") else None)
    return f, chosen


def _item(it: triage.InboxItem) -> dict[str, Any]:
    payload = json.loads(it.alert.payload)["data"]
    return {"id": it.alert.id, "rule": it.alert.rule_id, "rule_name": it.alert.rule_name,
            "severity": payload["rule"].get("severity", "info"), "score": it.alert.score,
            "created": it.alert.created_at, "title": it.article.title, "url": it.article.url,
            "language": it.article.language, "published": it.article.published,
            "source": it.source.title or it.source.url, "source_id": it.source.id,
            "evidence": json.loads(it.alert.evidence), "state": it.state,
            "copies": it.copies}


async def inbox(request: Request) -> Response:
    app: App = request.app.state.monitor
    f, chosen = _filter(app, request.query_params)
    before = _int(request.query_params.get("before"))

    def load() -> tuple[list[triage.InboxItem], list[str], list[tuple[int, str]]]:
        items = triage.inbox(app.store, f, limit=PAGE + 1, before=before)
        return items, triage.languages(app.store), triage.source_names(app.store)

    items, languages, sources = await asyncio.to_thread(load)
    more = len(items) > PAGE
    items = items[:PAGE]
    next_link = None
    if more and items[-1].alert.id:
        query = {k: v for k, v in chosen.items() if v}
        query["before"] = str(items[-1].alert.id)
        next_link = "/?" + urlencode(query)
    return page(request, "alerts.html", alerts=[_item(i) for i in items], chosen=chosen,
                rules=app.matcher.rules, languages=languages, sources=sources,
                severities=sorted({r.severity for r in app.matcher.rules}),
                spans=list(SPANS), states=STATE_LABELS, next_link=next_link,
                filtered=any(chosen.values()))


async def triage_alert(request: Request) -> Response:
    """One verdict; answers JSON to the page's script, a redirect back to a plain form."""
    app: App = request.app.state.monitor
    form = await checked_form(request)
    alert_id: int = request.path_params["id"]
    state = str(form.get("state") or "")
    value = state if state in triage.STATES else None
    if state and value is None:
        return JSONResponse({"error": f"unknown triage state {state!r}"}, status_code=422)
    ids = await asyncio.to_thread(triage.set_triage, app.store, alert_id, value, app.clock())
    if ids is None:
        return JSONResponse({"error": f"no alert {alert_id}"}, status_code=404)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"alert": alert_id, "triage": value, "alerts": ids})
    return RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)


routes = [
    Route("/", inbox, methods=["GET"]),
    Route("/alerts/{id:int}/triage", triage_alert, methods=["POST"]),
]
