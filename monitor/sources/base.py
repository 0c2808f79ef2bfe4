"""The Source contract: what every kind of source (folder, feed, ...) gives the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from monitor.fetch import Validators
from monitor.models import RawItem


@dataclass(frozen=True)
class PollResult:
    """The outcome of reading a source once. ``not_modified`` means: nothing new, no items."""

    items: list[RawItem] = field(default_factory=list)
    not_modified: bool = False
    validators: Validators = field(default_factory=Validators)
    title: str | None = None
    new_url: str | None = None
    problems: list[str] = field(default_factory=list)  # parts skipped, e.g. an unreadable file


class Source(Protocol):
    """A readable source. ``poll`` raises SourceError (or a subclass) when it cannot be read."""

    kind: str
    location: str

    async def poll(self, previous: Validators) -> PollResult: ...
