"""Webhook notifier, signed per the Standard Webhooks specification."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence

import httpx

from monitor.delivery.notifiers.base import SendResult
from monitor.errors import ConfigError, URLPolicyError
from monitor.reader.urlpolicy import URLPolicy
from monitor.store import OutboxItem

_RETRYABLE_4XX = {408, 409, 425, 429}


def decode_secret(secret: str, *, setting: str = "webhook secret") -> bytes:
    """The key bytes of a ``whsec_<base64>`` secret."""
    raw = secret.removeprefix("whsec_")
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(setting, "expected 'whsec_' followed by base64") from None
    if len(key) < 16:
        raise ConfigError(setting, "the key is shorter than 16 bytes")
    return key


def sign(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,<base64>`` per active key, space-separated."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()).decode()
        for k in keys
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class WebhookNotifier:
    """POSTs the alert payload to one URL."""

    def __init__(self, name: str, url: str, secrets: Sequence[str], client: httpx.AsyncClient,
                 *, timeout: float = 10.0, clock: Callable[[], float] = time.time,
                 policy: URLPolicy | None = None) -> None:
        self.name = name
        self.url = url
        self.keys = [decode_secret(s, setting=f"target {name}: secret") for s in secrets]
        self.client = client
        self.timeout = timeout
        self.clock = clock
        self.policy = policy  # checked on every send: DNS may change after start

    def headers(self, item: OutboxItem, body: bytes) -> dict[str, str]:
        ts = int(self.clock())
        headers = {"content-type": "application/json", "webhook-id": item.webhook_id,
                   "webhook-timestamp": str(ts)}
        if self.keys:
            headers["webhook-signature"] = sign(self.keys, item.webhook_id, ts, body)
        return headers

    async def send(self, item: OutboxItem) -> SendResult:
        body = item.payload.encode("utf-8")
        started = time.perf_counter()
        if self.policy is not None:
            try:
                await self.policy.check(self.url)
            except URLPolicyError as exc:
                return SendResult(False, None, str(exc), 0.0)
        try:
            response = await self.client.post(self.url, content=body,
                                              headers=self.headers(item, body),
                                              timeout=self.timeout, follow_redirects=False)
        except httpx.HTTPError as exc:
            return SendResult(False, None, f"{type(exc).__name__}: {exc}",
                              (time.perf_counter() - started) * 1000)
        except URLPolicyError as exc:  # checked again when connecting: DNS may have changed
            return SendResult(False, None, str(exc), (time.perf_counter() - started) * 1000)
        latency = (time.perf_counter() - started) * 1000
        code = response.status_code
        if 200 <= code < 300:
            return SendResult(True, code, None, latency)
        # Redirects are not followed (a 3xx is a failure to retry): a receiver that moved must
        # be reconfigured, not silently trusted.
        permanent = 400 <= code < 500 and code not in _RETRYABLE_4XX
        retry_after = (_retry_after(response.headers.get("retry-after"))
                       if code in (429, 503) else None)
        return SendResult(False, code, f"HTTP {code}", latency, retry_after, permanent,
                          disable_target=code == 410)
