"""/readyz is open: without the token it says only that the database is away, never where."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from monitor.app import App
from monitor.config import Settings
from monitor.store.engine import make_engine
from tests.apiclient import TOKEN, with_api

# A real engine whose connections are refused: nothing listens on port 1.
AWAY = "postgresql+psycopg://monitor@127.0.0.1:1/secret_db_name?connect_timeout=2"


def test_readyz_names_no_database_host_without_the_token(settings: Settings) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> tuple[Any, Any]:
        app.store.engine = make_engine(AWAY)
        bare = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
        async with bare:
            anonymous = await bare.get("/readyz")
            wrong = await bare.get("/readyz", headers={"authorization": "Bearer nope"})
        with_token = await client.get("/readyz")
        assert anonymous.status_code == wrong.status_code == with_token.status_code == 503
        assert anonymous.text == wrong.text
        return anonymous.json(), with_token.json()

    anonymous, with_token = with_api(replace(settings, api_token=TOKEN), scenario)
    assert "database unavailable" in anonymous["reasons"]
    assert anonymous["checks"]["database"] == "unreachable"
    text = str(anonymous)
    assert "127.0.0.1" not in text and "secret_db_name" not in text and "port" not in text
    # Whoever holds the token may see why.
    [detail] = [r for r in with_token["reasons"] if r.startswith("database unavailable: ")]
    assert "127.0.0.1" in detail and len(detail) < 400
