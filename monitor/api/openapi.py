"""The OpenAPI 3.1 document of the API; request schemas here also validate the request bodies."""

from __future__ import annotations

from typing import Any

from monitor import __version__

_ID = {"type": "integer", "minimum": 1, "maximum": 2**62 - 1}
_LABELS = {"type": "array", "items": {"type": "string", "minLength": 1, "pattern": "^[^,]+$"},
           "maxItems": 50}
_RULE = {"type": "object", "description": "a whole rule, as in a rule file (id optional)",
         "properties": {"query": {"type": "string", "minLength": 1}}, "required": ["query"]}

NEW_SOURCE: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["url"],
    "properties": {
        "url": {"type": "string", "minLength": 1, "maxLength": 4000,
                "description": "a feed URL, or a folder path on the daemon's machine"},
        # Checked by the service (one message for every way of adding), not by an enum here.
        "kind": {"type": "string", "minLength": 1, "maxLength": 20,
                 "description": "feed, page, sitemap or folder; when left out, a folder path "
                 "is a folder and a URL's kind is read from its content at the first poll"},
        "interval": {"type": "integer", "minimum": 1, "maximum": 31_536_000},
        "labels": _LABELS,
    },
}
CANDIDATE = {
    "query": {"type": "string", "minLength": 1, "maxLength": 20_000,
              "description": "a rule query"},
    "rule": _RULE,
    "yaml": {"type": "string", "minLength": 1, "maxLength": 200_000,
             "description": "a whole rule file"},
}
_ONE_CANDIDATE = [{"required": ["query"]}, {"required": ["rule"]}, {"required": ["yaml"]}]
VALIDATE: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "properties": CANDIDATE,
    "oneOf": _ONE_CANDIDATE,
}
TEST: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {**CANDIDATE,
                   "text": {"type": "string", "maxLength": 2_000_000},
                   "title": {"type": "string", "maxLength": 10_000},
                   "language": {"type": "string", "minLength": 2, "maxLength": 16},
                   "url": {"type": "string", "pattern": "^https?://", "maxLength": 4000}},
    "allOf": [{"oneOf": _ONE_CANDIDATE},
              {"oneOf": [{"required": ["text"]}, {"required": ["url"]}]}],
}
BACKTEST: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {**CANDIDATE,
                   "id": {"type": "string", "minLength": 1, "maxLength": 200,
                          "description": "a rule of the rules directory"},
                   "since": {"type": "string", "pattern": r"^\s*\d{1,6}\s*[smhdw]\s*$",
                             "default": "30d"},
                   "examples": {"type": "integer", "minimum": 0, "maximum": 200,
                                "default": 10}},
    "oneOf": [*_ONE_CANDIDATE, {"required": ["id"]}],
}
REPLAY: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {"targets": {"type": "array", "items": {"type": "string", "minLength": 1},
                               "maxItems": 50}},
}
TRIAGE: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["state"],
    "properties": {"state": {"enum": ["relevant", "false_alarm", "muted", None],
                             "description": "null clears the verdict; muted covers the story"}},
}

_ERROR = {"description": "refused", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": schema or {"type": "object"}}}}


def _page(item: str) -> dict[str, Any]:
    return _ok("a page", {"type": "object", "required": ["items", "next", "next_cursor"],
                          "properties": {"items": {"type": "array", "items": {
                              "$ref": f"#/components/schemas/{item}"}},
                              "next": {"type": ["string", "null"]},
                              "next_cursor": {"type": ["string", "null"]}}})


def _q(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


_PAGE_PARAMS = [_q("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "page size"),
                _q("cursor", {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                   "the next_cursor of the previous page")]
_ID_PARAM = [{"name": "id", "in": "path", "required": True, "schema": _ID}]


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, responses: dict[str, Any], *, params: list[Any] | None = None,
        body: dict[str, Any] | None = None, secured: bool = True) -> dict[str, Any]:
    # Any route: a Host that does not name this daemon is 421 (monitor.api.guard).
    op: dict[str, Any] = {"summary": summary, "responses": {**responses, "421": _ERROR}}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = _body(body)
    if secured:
        op["security"] = [{"bearer": []}]
        # 403: a foreign Origin; 408: a body too slow; 413: too big; 415: not JSON.
        op["responses"] = {**op["responses"], **{code: _ERROR for code in (
            "400", "401", "403", "408", "413", "415", "422", "503")}}
    return op


def document() -> dict[str, Any]:
    """The OpenAPI document served at ``/openapi.json``."""
    src, ok = {"$ref": "#/components/schemas/Source"}, _ok
    return {
        "openapi": "3.1.0",
        "info": {"title": "monitor", "version": __version__,
                 "description": "Operate a monitor daemon: sources, rules, articles, alerts."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Source": {"type": "object", "required": ["id", "url", "kind", "enabled"],
                           "properties": {"id": _ID, "url": {"type": "string"},
                                          "kind": {"type": "string"},
                                          "enabled": {"type": "boolean"},
                                          "interval": {"type": "integer"},
                                          "labels": {"type": "array"}}},
                "Article": {"type": "object", "required": ["id", "title"]},
                "Alert": {"type": "object",
                          "required": ["id", "rule", "article", "evidence", "triage"]},
                "Rule": {"type": "object", "required": ["id", "query"]},
                "Story": {"type": "object", "required": [
                    "id", "title", "first_seen", "last_seen", "articles", "sources",
                    "languages", "rules", "breaking", "merged", "members"]},
            },
        },
        "paths": {
            "/healthz": {"get": _op("the process is alive and its event loop and worker "
                                    "threads answer in time", {
                                        "200": ok("alive"),
                                        "503": ok("stuck, with reasons")}, secured=False)},
            "/readyz": {"get": _op("ready: database reachable, scheduler ticking, rules loaded",
                                   {"200": ok("ready"), "503": ok("not ready, with reasons")},
                                   secured=False)},
            "/metrics": {"get": _op("Prometheus metrics", {"200": {
                "description": "text format", "content": {"text/plain": {
                    "schema": {"type": "string"}}}}}, secured=False)},
            "/api/v1/sources": {
                "get": _op("list sources", {"200": _page("Source")}, params=_PAGE_PARAMS),
                "post": _op("add a source (or return the one with this URL)",
                            {"201": ok("added", src), "200": ok("existed", src)},
                            body=NEW_SOURCE)},
            "/api/v1/sources/{id}": {
                "get": _op("one source", {"200": ok("the source", src), "404": _ERROR},
                           params=_ID_PARAM),
                "delete": _op("remove a source with its articles and alerts",
                              {"204": {"description": "removed"}, "404": _ERROR},
                              params=_ID_PARAM)},
            **{f"/api/v1/sources/{{id}}/{verb}": {"post": _op(
                summary, {"200": ok(summary, src), "404": _ERROR, "409": _ERROR},
                params=_ID_PARAM)} for verb, summary in (
                    ("pause", "stop polling a source"), ("resume", "poll a source again"),
                    ("poll", "poll a source now and report what it gave"))},
            "/api/v1/rules": {"get": _op("the rule set in force", {"200": _page("Rule")},
                                         params=[_q("limit", {"type": "integer", "minimum": 1,
                                                              "maximum": 500}, "page size"),
                                                 _q("offset", {"type": "integer", "minimum": 0},
                                                    "rules to skip")])},
            "/api/v1/rules/validate": {"post": _op(
                "check a candidate rule (never changes the rule set)",
                {"200": ok("valid or not, with located problems")}, body=VALIDATE)},
            "/api/v1/rules/test": {"post": _op(
                "does a candidate rule match this text or page, and why",
                {"200": ok("matches and evidence")}, body=TEST)},
            "/api/v1/rules/backtest": {"post": _op(
                "what a rule would have alerted on stored articles",
                {"200": ok("counts per day and examples"), "404": _ERROR}, body=BACKTEST)},
            "/api/v1/articles": {"get": _op("list and search stored articles, newest first",
                                            {"200": _page("Article")}, params=[
                _q("q", {"type": "string"}, "words in the title or body"),
                _q("language", {"type": "string"}, "ISO 639-1 code"),
                _q("source", {"type": "integer", "minimum": 1}, "source id"),
                _q("since", {"type": "string", "format": "date-time"}, "fetched at or after"),
                _q("until", {"type": "string", "format": "date-time"}, "fetched before"),
                *_PAGE_PARAMS])},
            "/api/v1/articles/{id}": {"get": _op("one article with its text", {
                "200": ok("the article", {"$ref": "#/components/schemas/Article"}),
                "404": _ERROR}, params=_ID_PARAM)},
            "/api/v1/alerts": {"get": _op("list alerts with their deliveries, newest first",
                                          {"200": _page("Alert")}, params=[
                _q("rule", {"type": "string"}, "rule id"),
                _q("since", {"type": "string", "format": "date-time"}, "created at or after"),
                *_PAGE_PARAMS])},
            "/api/v1/alerts/{id}": {"get": _op("one alert", {
                "200": ok("the alert", {"$ref": "#/components/schemas/Alert"}),
                "404": _ERROR}, params=_ID_PARAM)},
            "/api/v1/stories": {"get": _op(
                "list stories (articles telling one story) with their members, sources and "
                "languages, newest first", {"200": _page("Story")}, params=[
                    _q("since", {"type": "string", "format": "date-time"},
                       "last seen at or after"),
                    _q("rule", {"type": "string"}, "a rule alerted on the story"),
                    _q("language", {"type": "string"}, "a member is in this language"),
                    _q("min_sources", {"type": "integer", "minimum": 1,
                                       "maximum": 2**63 - 1}, "at least this many sources"),
                    *_PAGE_PARAMS])},
            "/api/v1/stories/{id}": {"get": _op("one story with its members (up to 500)", {
                "200": ok("the story", {"$ref": "#/components/schemas/Story"}),
                "301": {**_ERROR, "description": "merged into another story: Location names "
                        "it (the error's `story` gives its id)", "headers": {"Location": {
                            "description": "the story kept", "schema": {"type": "string"}}}},
                "404": _ERROR}, params=_ID_PARAM)},
            "/api/v1/alerts/{id}/replay": {"post": _op(
                "deliver an alert again (to every target, or the ones named)",
                {"200": ok("the deliveries queued"), "404": _ERROR, "409": _ERROR},
                params=_ID_PARAM, body=REPLAY)},
            "/api/v1/alerts/{id}/triage": {"post": _op(
                "record a verdict on an alert (muted: on every alert of its story)",
                {"200": ok("the alerts changed"), "404": _ERROR},
                params=_ID_PARAM, body=TRIAGE)},
        },
    }
