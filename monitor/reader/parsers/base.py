"""The Source contract: what every kind of source (folder, feed, ...) gives the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from monitor.models import RawItem
from monitor.reader.fetcher import Fetcher, FetchResult, Validators


@dataclass(frozen=True)
class PollResult:
    """The outcome of reading a source once.

    ``status`` is ``ok``, ``not_modified`` (nothing new, no items), ``rate_limited`` (the server
    asked us to wait ``retry_after`` seconds) or ``gone`` (HTTP 410: the source is switched off).
    """

    items: list[RawItem] = field(default_factory=list)
    not_modified: bool = False
    validators: Validators = field(default_factory=Validators)
    title: str | None = None
    new_url: str | None = None
    problems: list[str] = field(default_factory=list)  # parts skipped, e.g. an unreadable file
    status: str = "ok"
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)
    ttl_minutes: float | None = None
    kind: str | None = None  # set when the kind was read from the content (``auto`` sources)
    hub: tuple[str, str] | None = None  # (hub, topic) of a feed that advertises WebSub

    def __post_init__(self) -> None:
        if self.not_modified and self.status == "ok":
            object.__setattr__(self, "status", "not_modified")


class Source(Protocol):
    """A readable source. ``poll`` raises SourceError (or a subclass) when it cannot be read."""

    kind: str
    location: str

    async def poll(self, previous: Validators) -> PollResult: ...


def early_outcome(result: FetchResult) -> PollResult | None:
    """The PollResult of a fetch that brought no document (304, 429/503, 410), else None."""
    if result.outcome == "ok":
        return None
    return PollResult(not_modified=result.outcome == "not_modified",
                      validators=result.validators, new_url=result.permanent_url,
                      status=result.outcome, retry_after=result.retry_after,
                      headers=result.headers)


class HTTPSource:
    """A source read over HTTP: a conditional fetch, then ``read`` of what came back."""

    kind = "http"

    def __init__(self, url: str, fetcher: Fetcher) -> None:
        self.location = url
        self.fetcher = fetcher

    async def poll(self, previous: Validators) -> PollResult:
        result = await self.fetcher.get(self.location, previous)
        early = early_outcome(result)
        return early if early is not None else await self.read(result)

    async def read(self, result: FetchResult) -> PollResult:
        raise NotImplementedError  # each kind reads its own document
