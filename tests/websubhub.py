"""A small WebSub hub on loopback (W3C WebSub §5-§7) for tests and the latency bench: it takes
(un)subscription requests, verifies intent with a GET to the callback, and pushes signed
content to verified subscribers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx

from monitor.testing import LoopbackServer, Reply, Request


@dataclass
class Subscription:
    callback: str
    topic: str
    secret: str


class Hub:
    """Serves ``/hub`` on ``server``; ``lease`` is the lease it grants, in seconds."""

    def __init__(self, server: LoopbackServer, lease: int = 864000) -> None:
        self.server, self.lease = server, lease
        self.subscribers: dict[str, Subscription] = {}  # topic -> the verified subscription
        self.verified: list[tuple[str, str]] = []  # (mode, topic) of each verified request
        self.lock = threading.Lock()
        server.route("/hub", self._request)

    @property
    def url(self) -> str:
        return self.server.url("/hub")

    def _request(self, req: Request) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("hub.mode") not in ("subscribe", "unsubscribe") or "hub.callback" not in form:
            return Reply(400, b"bad request")
        threading.Thread(target=self._verify, args=(form,), daemon=True).start()
        return Reply(202)

    def _verify(self, form: dict[str, str]) -> None:
        challenge = secrets.token_hex(8)
        params = {"hub.mode": form["hub.mode"], "hub.topic": form["hub.topic"],
                  "hub.challenge": challenge}
        if form["hub.mode"] == "subscribe":
            params["hub.lease_seconds"] = str(self.lease)
        answer = httpx.get(form["hub.callback"], params=params, timeout=10)
        if answer.status_code // 100 != 2 or answer.text != challenge:
            return
        with self.lock:
            self.verified.append((form["hub.mode"], form["hub.topic"]))
            if form["hub.mode"] == "subscribe":
                self.subscribers[form["hub.topic"]] = Subscription(
                    form["hub.callback"], form["hub.topic"], form.get("hub.secret", ""))
            else:
                self.subscribers.pop(form["hub.topic"], None)

    def publish(self, topic: str, body: bytes, *, secret: str | None = None,
                method: str = "sha256", content_type: str = "application/atom+xml"
                ) -> httpx.Response:
        """Push ``body`` to the topic's subscriber, signed with its secret (or ``secret``)."""
        with self.lock:
            sub = self.subscribers[topic]
        key = sub.secret if secret is None else secret
        signature = hmac.new(key.encode(), body, getattr(hashlib, method)).hexdigest()
        headers = {"content-type": content_type, "x-hub-signature": f"{method}={signature}",
                   "link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
        return httpx.post(sub.callback, content=body, headers=headers, timeout=10)


def atom(topic: str, hub: str, entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed advertising ``hub``; entries are (id, title, summary), dated now."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = "".join(
        f"<entry><id>{i}</id><title>{t}</title><link href='{topic}/{i}'/>"
        f"<updated>{now}</updated><summary>{s}</summary></entry>"
        for i, t, s in entries)
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>pushed</title><id>{topic}</id><link rel='hub' href='{hub}'/>"
            f"<link rel='self' href='{topic}'/><updated>{now}</updated>"
            f"{items}</feed>").encode()
