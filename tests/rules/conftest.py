"""Fixtures of the rule tests: the shipped rule set, compiled once for the session."""

from __future__ import annotations

import pytest

from monitor.rules import Matcher
from tests.conftest import RULES


@pytest.fixture(scope="session")
def shipped() -> Matcher:
    """The shipped rules (the suite's snapshot of rules/), as the daemon compiles them."""
    return Matcher.load(RULES)
