"""Fixtures of the delivery tests."""

from __future__ import annotations

import pytest

from monitor.store import Store


@pytest.fixture
def store(db_url: str) -> Store:
    return Store.open(db_url)
