"""Ingestion wiring from settings: the HTTP client, the fetcher (limits, URL policy) and the
schedule bounds."""

from __future__ import annotations

import httpx

from monitor.config import Settings
from monitor.fetch import Fetcher, FetchLimits
from monitor.netpolicy import URLPolicy, pinned_transport
from monitor.schedule import ScheduleBounds


def url_policy(settings: Settings) -> URLPolicy:
    """The URL policy of ``MONITOR_ALLOW_PRIVATE_NETWORKS``; also for webhook targets."""
    return URLPolicy.from_setting(settings.allow_private_networks)


def fetch_client(settings: Settings, user_agent: str) -> httpx.AsyncClient:
    """The one HTTP client of sources: every connection to an address the URL policy allows."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    return httpx.AsyncClient(
        transport=pinned_transport(url_policy(settings), limits=limits),
        timeout=httpx.Timeout(settings.http_timeout_seconds, connect=10.0),
        headers={"user-agent": user_agent}, follow_redirects=True)


def make_fetcher(client: httpx.AsyncClient, settings: Settings) -> Fetcher:
    limits = FetchLimits(max_bytes=settings.max_body_bytes,
                         deadline_seconds=settings.fetch_deadline_seconds,
                         max_redirects=settings.max_redirects,
                         concurrency=settings.fetch_concurrency,
                         per_host=settings.per_host_concurrency)
    return Fetcher(client, limits=limits, policy=url_policy(settings))


def schedule_bounds(settings: Settings) -> ScheduleBounds:
    return ScheduleBounds(min_seconds=settings.min_interval_seconds,
                          max_seconds=settings.max_interval_seconds,
                          unhealthy_after_seconds=settings.unhealthy_after_seconds)
