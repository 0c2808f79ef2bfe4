"""Fixtures of the API tests."""

from __future__ import annotations

from dataclasses import replace

import pytest

from monitor.config import Settings
from tests.apiclient import TOKEN


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return replace(settings, api_token=TOKEN)
