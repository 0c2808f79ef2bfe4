"""Request limits and cross-site defences, through the real application in-process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from monitor.app import App
from monitor.config import Settings
from tests.apiclient import TOKEN, with_api


@pytest.fixture
def open_settings(settings: Settings) -> Settings:
    return replace(settings, api_token=None)


def test_a_declared_body_over_the_cap_is_refused_413(open_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        r = await client.post("/api/v1/rules/validate", content=b"x" * 2048,
                              headers={"content-type": "application/json"})
        assert r.status_code == 413
        body = r.json()["error"]
        assert body["code"] == "body_too_large" and "MONITOR_API_MAX_BODY_BYTES" in body["message"]
        assert r.headers["connection"] == "close"

    with_api(replace(open_settings, api_max_body_bytes=1024), scenario, token=None)


def test_a_chunked_body_is_cut_off_at_the_cap_not_read_whole(open_settings: Settings) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(10_000):  # 10 MB if it were all read
            sent += 1024
            yield b" " * 1024

    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        r = await client.post("/api/v1/rules/validate", content=chunks(),
                              headers={"content-type": "application/json"})
        assert r.status_code == 413, r.text
        assert sent <= 4 * 1024

    with_api(replace(open_settings, api_max_body_bytes=2048), scenario, token=None)


def test_100000_nested_brackets_are_a_json_400(open_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        r = await client.post("/api/v1/rules/validate", content=b"[" * 100_000,
                              headers={"content-type": "application/json"})
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "invalid_json"

    with_api(open_settings, scenario, token=None)


def test_a_422_does_not_echo_a_long_value(open_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        long = "sanctions " * 3000
        r = await client.post("/api/v1/rules/validate", json={"query": long})
        assert r.status_code == 422
        message = r.json()["error"]["message"]
        assert message == "query: longer than 20000 characters"
        r = await client.post("/api/v1/rules/backtest", json={"query": "x", "since": "9" * 5000})
        assert r.status_code == 422 and len(r.json()["error"]["message"]) < 450
        r = await client.get("/api/v1/articles", params={"limit": "z" * 5000})
        assert r.status_code == 400 and len(r.json()["error"]["message"]) < 450

    with_api(open_settings, scenario, token=None)


def test_a_json_body_needs_the_json_content_type(open_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        body = json.dumps({"url": "https://example.org/feed.xml"})
        for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"content-type": ctype} if ctype else {}
            r = await client.post("/api/v1/sources", content=body, headers=headers)
            assert r.status_code == 415, ctype
            assert r.json()["error"]["code"] == "unsupported_media_type"
        r = await client.post("/api/v1/sources", content=body,
                              headers={"content-type": "application/json; charset=utf-8"})
        assert r.status_code == 201, r.text

    with_api(open_settings, scenario, token=None)


def test_the_host_must_name_this_daemon(open_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        for host in ("localhost:8080", "127.0.0.1", "[::1]:80", "monitor.lan"):
            r = await client.get("/api/v1/sources", headers={"host": host})
            assert r.status_code == 200, host
        for host in ("evil.example", "rebind.evil.example:8080", ""):
            r = await client.get("/api/v1/sources", headers={"host": host})
            assert r.status_code == 421, host
            assert r.json()["error"]["code"] == "unknown_host"
        r = await client.get("/healthz", headers={"host": "evil.example"})
        assert r.status_code == 421

    with_api(replace(open_settings, api_allowed_hosts="monitor.lan"), scenario, token=None)

    async def wildcard(client: httpx.AsyncClient, app: App) -> None:
        r = await client.get("/api/v1/sources", headers={"host": "server.example.org"})
        assert r.status_code == 200

    # A wildcard bind needs a token (which a rebinding page cannot send): any name is fine.
    with_api(replace(open_settings, api_host="0.0.0.0", api_token=TOKEN), wildcard)


def test_a_cross_origin_state_change_is_refused(open_settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        new = {"url": "https://example.org/a.xml"}
        r = await client.post("/api/v1/sources", json=new,
                              headers={"origin": "https://evil.example"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin"
        r = await client.post("/api/v1/sources", json=new, headers={"origin": "null"})
        assert r.status_code == 403
        r = await client.post("/api/v1/sources", json=new,
                              headers={"origin": "http://localhost"})
        assert r.status_code == 201, r.text  # the API's own origin
        r = await client.post("/api/v1/sources", json={"url": "https://example.org/b.xml"},
                              headers={"origin": "https://console.example.org"})
        assert r.status_code == 201, r.text  # configured
        r = await client.get("/api/v1/sources", headers={"origin": "https://evil.example"})
        assert r.status_code == 200  # reading is not refused: the browser keeps the answer

    with_api(replace(open_settings, api_allowed_origins="https://console.example.org/"),
             scenario, token=None)
