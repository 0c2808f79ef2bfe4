"""The HTTP client side of polling: conditional GET with size and time caps, turned into meaning."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import httpx

from monitor.errors import FetchError


@dataclass(frozen=True)
class Validators:
    """What the last successful fetch told us, for a conditional GET next time."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """A fetched document, or ``not_modified`` with no body."""

    url: str
    status_code: int
    not_modified: bool
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    validators: Validators = field(default_factory=Validators)


class Fetcher:
    """Fetches documents through one shared ``httpx.AsyncClient`` passed in by the caller."""

    def __init__(self, client: httpx.AsyncClient, *, max_bytes: int) -> None:
        self.client = client
        self.max_bytes = max_bytes

    async def get(self, url: str, previous: Validators | None = None) -> FetchResult:
        previous = previous or Validators()
        headers: dict[str, str] = {}
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        try:
            async with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return FetchResult(str(response.url), 304, True, validators=previous)
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} from {url}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError(f"body of {url} exceeds {self.max_bytes} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}") from exc
        content = b"".join(chunks)
        digest = hashlib.sha256(content).hexdigest()
        validators = Validators(response.headers.get("etag"),
                                response.headers.get("last-modified"), digest)
        # Servers without validators: an identical body is as good as a 304.
        unchanged = previous.body_hash == digest
        return FetchResult(str(response.url), response.status_code, unchanged,
                           b"" if unchanged else content, dict(response.headers), validators)
