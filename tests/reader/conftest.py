"""Fixtures of the reader tests: the hostile HTTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile import HostileServer


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as srv:
        yield srv
