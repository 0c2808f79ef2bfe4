"""The HTTP client side of polling: polite, bounded conditional GETs, turned into meaning.

One shared ``httpx.AsyncClient`` is passed in. Every fetch is bounded: overall and per-host
concurrency, a total deadline (a slow-drip server cannot hold a poll), a body cap counted while
streaming both before and after decompression (monitor.reader.body: a gzip bomb is never
inflated in memory), a redirect limit with the URL policy checked on every hop. Expected
outcomes (not modified, rate limited, gone) are results; failures raise FetchError or
URLPolicyError.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from monitor.errors import FetchError, URLPolicyError
from monitor.reader.body import read_body
from monitor.reader.urlpolicy import URLPolicy

if TYPE_CHECKING:
    # The caller brings the client, so httpx is loaded by then; importing it here would make
    # every user of the parsers' types (``monitor match`` reading a file) load it too.
    import httpx

ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, "
          "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
_REDIRECTS = {301, 302, 303, 307, 308}


def make_user_agent(base: str, contact_url: str | None) -> str:
    """The User-Agent: the product and, when configured, where site owners can reach us."""
    if not contact_url:
        return base
    if base.endswith(")"):
        return f"{base[:-1]}; +{contact_url})"
    return f"{base} (+{contact_url})"


@dataclass(frozen=True)
class Validators:
    """What the last successful fetch told us, for a conditional GET next time."""

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """A fetched document or an expected non-document outcome.

    ``outcome`` is ``ok``, ``not_modified`` (304 or the same body again), ``rate_limited``
    (429/503; ``retry_after`` seconds when the server said) or ``gone`` (410).
    ``permanent_url`` is set when the resource moved for good (only 301/308 hops).
    """

    url: str
    status_code: int
    outcome: str = "ok"
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    validators: Validators = field(default_factory=Validators)
    permanent_url: str | None = None
    retry_after: float | None = None

    @property
    def not_modified(self) -> bool:
        return self.outcome == "not_modified"


@dataclass(frozen=True)
class FetchLimits:
    """The bounds of one fetch; all from settings."""

    max_bytes: int = 10 * 1024 * 1024
    deadline_seconds: float = 60.0
    max_redirects: int = 5
    concurrency: int = 32
    per_host: int = 4


def parse_retry_after(value: str | None, now_ts: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now_ts)
    except (TypeError, ValueError, IndexError):
        return None


class Fetcher:
    """Fetches documents through one shared ``httpx.AsyncClient`` passed in by the caller."""

    def __init__(self, client: httpx.AsyncClient, *, max_bytes: int | None = None,
                 limits: FetchLimits | None = None, policy: URLPolicy | None = None) -> None:
        self.client = client
        self.limits = limits or FetchLimits()
        if max_bytes is not None:
            self.limits = FetchLimits(max_bytes, self.limits.deadline_seconds,
                                      self.limits.max_redirects, self.limits.concurrency,
                                      self.limits.per_host)
        # The default policy is the strict one: no private networks unless configured.
        self.policy = policy or URLPolicy()
        self._all = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @property
    def max_bytes(self) -> int:
        return self.limits.max_bytes

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        return slot

    async def get(self, url: str, previous: Validators | None = None) -> FetchResult:
        """GET ``url`` conditionally; raises FetchError/URLPolicyError when it cannot."""
        import httpx  # loaded already: the client passed in is one of its objects

        previous = previous or Validators()
        async with self._all, self._host_slot(url):
            try:
                async with asyncio.timeout(self.limits.deadline_seconds):
                    return await self._follow(url, previous)
            except TimeoutError:
                raise FetchError(f"{url}: no complete answer within "
                                 f"{self.limits.deadline_seconds:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__} fetching {url}: {exc}") from exc

    async def _follow(self, url: str, previous: Validators) -> FetchResult:
        headers = {"accept": ACCEPT, "accept-encoding": "gzip, deflate, br"}
        if previous.etag:
            headers["if-none-match"] = previous.etag
        if previous.last_modified:
            headers["if-modified-since"] = previous.last_modified
        seen: set[str] = set()
        permanent: str | None = None
        still_permanent = True
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            if current in seen:
                raise FetchError(f"{url}: redirect loop at {current}")
            seen.add(current)
            await self.policy.check(current)
            request = self.client.build_request("GET", current, headers=headers)
            response = await self.client.send(request, stream=True, follow_redirects=False)
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    target = urljoin(current, location.strip())
                    still_permanent = still_permanent and response.status_code in (301, 308)
                    if still_permanent:
                        permanent = target
                    current = target
                    continue
                return await self._answer(response, current, previous, permanent)
            finally:
                await response.aclose()
        raise FetchError(f"{url}: more than {self.limits.max_redirects} redirects")

    async def _answer(self, response: httpx.Response, url: str, previous: Validators,
                      permanent: str | None) -> FetchResult:
        code = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        if code == 304:
            # A 304 has no body, but the connection goes back to the pool only once the end of
            # the message is read; closed unread, every conditional poll would open a new one.
            await response.aread()
            return FetchResult(url, 304, "not_modified", headers=headers, validators=previous,
                               permanent_url=permanent)
        if code in (429, 503):
            return FetchResult(url, code, "rate_limited", headers=headers,
                               permanent_url=permanent,
                               retry_after=parse_retry_after(headers.get("retry-after"),
                                                             time.time()))
        if code == 410:
            return FetchResult(url, 410, "gone", headers=headers, permanent_url=permanent)
        if code >= 400:
            raise FetchError(f"HTTP {code} from {url}")
        if code >= 300:
            raise FetchError(f"HTTP {code} from {url} without a usable Location")
        content = await read_body(response, url, self.limits.max_bytes)
        digest = hashlib.sha256(content).hexdigest()
        validators = Validators(headers.get("etag"), headers.get("last-modified"), digest)
        # Servers without validators: an identical body is as good as a 304.
        if previous.body_hash == digest:
            return FetchResult(url, code, "not_modified", headers=headers,
                               validators=validators, permanent_url=permanent)
        return FetchResult(url, code, "ok", content, headers, validators, permanent)


__all__ = ["FetchError", "FetchLimits", "FetchResult", "Fetcher", "URLPolicyError",
           "Validators", "make_user_agent", "parse_retry_after"]
