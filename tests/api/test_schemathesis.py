"""Property-based API test: schemathesis generates requests from /openapi.json; none may fail
with a server error or answer outside what the document says.

Outgoing HTTP (feeds, pages to test rules on) goes to a transport that refuses everything, so
generated URLs never leave this machine."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance
from starlette.applications import Starlette

from monitor.api import create_api
from monitor.app import open_app
from monitor.config import Settings
from monitor.reader.fetcher import Fetcher
from tests.apiclient import cycle
from tests.conftest import RULES

pytestmark = pytest.mark.slow  # started first when the tests run in parallel

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "schemathesis-token"
# Bounded so the suite stays quick; CI runs a fixed sequence (no surprise failures at merge),
# a developer's run explores anew each time. SCHEMATHESIS_EXAMPLES=500 for a longer hunt.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("tests reach no address but loopback", request=request)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Starlette]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    config = Settings(database_url=f"sqlite:///{tmp / 'monitor.db'}", rules_dir=RULES,
                      seeds_dir=ROOT / "seeds", worker_id="schemathesis", api_token=TOKEN,
                      api_allowed_hosts="testserver")  # schemathesis's in-process host name
    stack = AsyncExitStack()
    refusing = httpx.AsyncClient(transport=httpx.MockTransport(_refuse))

    async def start() -> Starlette:
        app = await open_app(stack, config)
        app.http = refusing
        app.pipeline.fetcher = Fetcher(refusing, max_bytes=config.max_body_bytes)
        await cycle(app)  # articles and alerts to list, search and replay
        app.ticks["scheduler"] = app.clock()
        api = create_api(app)
        await api.state.evaluator.warm()  # as the daemon does: no first request waits for it
        return api

    loop = asyncio.new_event_loop()
    api = loop.run_until_complete(start())
    try:
        yield api
    finally:
        loop.run_until_complete(stack.aclose())
        api.state.evaluator.close()
        loop.run_until_complete(refusing.aclose())
        loop.close()


def test_no_generated_request_causes_a_server_error(api: Starlette) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    headers = {"authorization": f"Bearer {TOKEN}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None, derandomize=os.environ.get("CI") == "true")
        def check(case: schemathesis.Case) -> None:
            if case.path == "/readyz":  # 503 is its documented answer when not ready
                assert case.call(headers=headers).status_code in (200, 503)
                return
            # Every default check (no server error, documented status codes and content types,
            # responses matching their schemas) but two that cannot judge this API: the auth
            # check resends our header, and a schema-valid folder path may not exist.
            case.call_and_validate(headers=headers,
                                   excluded_checks=[ignored_auth, positive_data_acceptance])

        check()
