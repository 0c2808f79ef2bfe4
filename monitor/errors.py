"""The whole exception tree of monitor.

Expected outcomes (not modified, rate limited, no match, duplicate) are return values,
not exceptions. Exceptions are for what stops an operation::

    MonitorError
    ├── ConfigError            a setting is missing or has a bad value (names the setting)
    ├── RuleError              a rule set cannot be loaded; carries every RuleProblem
    ├── SourceError            one source cannot be read (recorded on the source, never fatal)
    │   ├── FetchError         the HTTP exchange failed (timeout, refused, too large, bad status)
    │   ├── URLPolicyError     the URL is not allowed (scheme, private address, ...)
    │   └── ParseError         the bytes came back but hold nothing readable
    └── StoreError             the database is unreachable or its schema is wrong
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_MESSAGE = 500  # characters: a message names the problem, never carries a megabyte value


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


class MonitorError(Exception):
    """Base of every error monitor raises on purpose."""


class ConfigError(MonitorError):
    """A configuration value is missing or invalid."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = shorten(setting, 200)
        super().__init__(f"{self.setting}: {shorten(message)}")


@dataclass(frozen=True)
class RuleProblem:
    """One problem in one rule file, located for editors (``file:line:column: message``)."""

    file: str
    line: int
    column: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shorten(self.message))
        object.__setattr__(self, "file", shorten(self.file, 200))

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RuleError(MonitorError):
    """A rule set is broken; ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class MatchBudgetExceeded(MonitorError):
    """Matching one article took more than its budget of steps (the matcher keeps what fits)."""

    def __init__(self, work: int, budget: int) -> None:
        self.work, self.budget = work, budget
        super().__init__(f"matching stopped after {work} steps (budget {budget})")


class SourceError(MonitorError):
    """A source could not be read this time."""


class FetchError(SourceError):
    """The HTTP exchange with a source failed."""


class URLPolicyError(SourceError):
    """A URL is refused by the URL policy (scheme or address range)."""


class ParseError(SourceError):
    """A document was fetched but nothing readable could be parsed from it."""


class StoreError(MonitorError):
    """The database is unreachable or not usable."""
