"""What every API handler shares: errors as JSON, body and query parsing, pages, row shapes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jsonschema
from starlette.requests import Request
from starlette.responses import JSONResponse

from monitor.app import App
from monitor.store.tables import AlertRow, ArticleRow, DeliveryRow

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_MESSAGE = 400  # an error message never echoes a request's value back at length
MAX_SHOWN = 200


def shown(value: object) -> str:
    """``repr(value)``, cut to MAX_SHOWN characters (with the full length said)."""
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    return f"{text[:MAX_SHOWN]}… ({len(text)} characters)"


class ApiError(Exception):
    """An expected refusal: turned into ``{"error": {"code", "message"}}`` with its status."""

    def __init__(self, status: int, code: str, message: str, *,
                 headers: Mapping[str, str] | None = None, **details: Any) -> None:
        if len(message) > MAX_MESSAGE:
            message = f"{message[:MAX_MESSAGE]}… ({len(message)} characters)"
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"code": self.code, "message": self.message,
                                       **self.details}}, status_code=self.status,
                            headers=self.headers)


def the_app(request: Request) -> App:
    app: App = request.app.state.monitor
    return app


async def json_body(request: Request, schema: Mapping[str, Any], *,
                    optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, validated against ``schema`` (the one in the OpenAPI doc).

    A body must say it is JSON: a web page can send a cross-site ``text/plain`` POST without
    asking, never an ``application/json`` one (that needs a CORS preflight, which we deny).
    """
    raw = await request.body()
    ctype = request.headers.get("content-type")
    if optional and not raw.strip() and ctype is None:
        return {}
    if not is_json(ctype):
        raise ApiError(415, "unsupported_media_type",
                       "the body must be sent as Content-Type: application/json")
    if optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"the body is not JSON: {exc}") from None
    except RecursionError:  # json's C parser recurses per bracket
        raise ApiError(400, "invalid_json", "the body is not JSON: nested too deeply") from None
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "body"
        raise ApiError(422, "invalid_request", f"{where}: {_why(exc)}") from None
    except RecursionError:
        raise ApiError(422, "invalid_request", "body: nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", "body: expected an object")
    return data


def is_json(ctype: str | None) -> bool:
    """Whether a Content-Type names JSON (``application/json``, ``application/x+json``)."""
    media = (ctype or "").split(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


def _why(exc: jsonschema.ValidationError) -> str:
    """A schema error's message without the offending value at length."""
    if exc.validator == "maxLength":
        return f"longer than {exc.validator_value} characters"
    if exc.validator == "maxItems":
        return f"more than {exc.validator_value} items"
    text = exc.message
    return text if len(text) <= MAX_SHOWN else f"{text[:MAX_SHOWN]}…"


def http_url(value: str, field: str = "url") -> str:
    """``value`` if it is a well-formed http(s) URL with a host, else a 422 naming the field."""
    import httpx

    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ApiError(422, "invalid_request", f"{field}: not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ApiError(422, "invalid_request", f"{field}: expected an http(s) URL with a host")
    return value


def int_param(request: Request, name: str, default: int | None = None, *, minimum: int = 0,
              maximum: int | None = 2**63 - 1) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name}: expected a whole number, "
                       f"got {shown(raw)}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ApiError(400, "invalid_parameter", f"{name}: must be {bound}, got {value}")
    return value


def time_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_parameter", f"{name}: expected an ISO 8601 date or time, "
                       f"got {shown(raw)}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def path_id(request: Request) -> int:
    raw = request.path_params["id"]
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ApiError(404, "not_found", f"no such id {shown(raw)}") from None
    if not 0 < value < 2**62:  # ids never come near; bigger ones would overflow SQL integers
        raise ApiError(404, "not_found", f"no such id {shown(raw)}")
    return value


def limit_param(request: Request) -> int:
    value = int_param(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    assert value is not None
    return value


def page(request: Request, items: list[dict[str, Any]], limit: int,
         cursor: int | None) -> JSONResponse:
    """A page of ``items`` (fetched with one extra, to know whether another page follows);
    ``next`` links the following page, null on the last one."""
    next_link = None
    if cursor is not None and len(items) > limit:
        del items[limit:]
        cursor = items[-1]["id"]
        next_link = str(request.url.include_query_params(cursor=str(cursor)))
    return JSONResponse({"items": items, "next_cursor": str(cursor) if next_link else None,
                         "next": next_link})


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def article_dict(a: ArticleRow, *, body: bool = False, snippet: int = 280) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id, "source_id": a.source_id, "title": a.title, "url": a.url,
        "language": a.language, "author": a.author, "published": iso(a.published),
        "fetched": iso(a.fetched_at)}
    if body:
        out["body"] = a.body
    else:
        out["excerpt"] = a.body[:snippet] + ("…" if len(a.body) > snippet else "")
    return out


def delivery_dict(d: DeliveryRow) -> dict[str, Any]:
    return {"id": d.id, "target": d.target, "status": d.status, "attempts": d.attempts,
            "webhook_id": d.webhook_id, "next_attempt": iso(d.next_attempt_at),
            "last_attempt": iso(d.last_attempt_at), "last_status_code": d.last_status_code,
            "last_error": d.last_error, "delivered": iso(d.delivered_at)}


def alert_dict(a: AlertRow, deliveries: list[DeliveryRow], triage: str | None = None
               ) -> dict[str, Any]:
    payload = json.loads(a.payload)
    return {"id": a.id, "kind": a.kind, "rule": a.rule_id, "rule_name": a.rule_name,
            "score": a.score, "created": iso(a.created_at),
            "article": payload["data"]["article"], "story": payload["data"].get("story"),
            "triage": triage,
            "evidence": json.loads(a.evidence),
            "deliveries": [delivery_dict(d) for d in deliveries]}
