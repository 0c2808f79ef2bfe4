"""The browser of the console's browser tests, started once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.browserhelp import ARGS, CHROMIUM, need_browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One chromium for the tests of a module: starting it costs a second or more on a loaded
    machine. ``browser.new_page`` gives every page its own context (cookies, storage), so no
    state passes from one test to the next; each test closes its pages."""
    sync_playwright = need_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
