"""Chat and e-mail channels through apprise: Slack, Telegram, ntfy, mail, ...

apprise is an optional extra (``pip install 'monitor[apprise]'``); it is imported only when a
target of ``kind = "apprise"`` is configured. Messages are rendered from ``string.Template``
templates with the fields listed in ``FIELDS``; a digest renders one line per alert in
``$items``.
"""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from string import Template
from typing import Any

from monitor.delivery.notifiers.base import SendResult
from monitor.errors import ConfigError
from monitor.store import OutboxItem

FIELDS = ("rule_id", "rule_name", "severity", "title", "url", "source", "language",
          "published", "snippet", "terms", "score", "count", "items", "webhook_id")
DEFAULT_TITLE = "[$rule_name] $title"
DEFAULT_BODY = "$title\n$source · $published\n$url\n\n$snippet"
DEFAULT_DIGEST_TITLE = "[$rule_name] $count new matches"
DEFAULT_DIGEST_BODY = "$items"


def _alert_fields(data: dict[str, Any]) -> dict[str, str]:
    rule, article = data.get("rule") or {}, data.get("article") or {}
    evidence = data.get("evidence") or []
    # In the matcher's order, the topic's terms first: "sanksi, AS, rusia", not "AS, rusia".
    terms = list(dict.fromkeys(str(e.get("term")) for e in evidence if e.get("term")))
    title, snippet = str(article.get("title") or ""), ""
    story = data.get("story")
    if isinstance(story, dict):  # a breaking story: said so, with who reports it
        names = ", ".join(str(s.get("name")) for s in story.get("sources") or [])
        title = f"Breaking: {title}"
        snippet = (f"{story.get('sources_in_window')} sources within "
                   f"{story.get('window_minutes')} min: {names}")
    elif evidence:
        snippet = str(evidence[0].get("snippet") or "")
    return {
        "rule_id": str(rule.get("id") or ""), "rule_name": str(rule.get("name") or ""),
        "severity": str(rule.get("severity") or ""), "title": title,
        "url": str(article.get("url") or ""), "source": str(article.get("source") or ""),
        "language": str(article.get("language") or ""),
        "published": str(article.get("published") or ""),
        "snippet": snippet,
        "terms": ", ".join(terms), "score": str(data.get("score", "")),
    }


def render(payload: dict[str, Any], webhook_id: str, *, body: str | None = None,
           title: str | None = None) -> tuple[str, str]:
    """The (title, body) of one message for an alert or a digest payload."""
    data = payload.get("data") or {}
    if payload.get("type") == "digest":
        alerts = data.get("alerts") or []
        lines = []
        for a in alerts:
            f = _alert_fields(a)
            lines.append(f"- {f['title']} ({f['source']})" + (f" {f['url']}" if f["url"] else ""))
        fields = _alert_fields({"rule": data.get("rule") or {}})
        fields.update(count=str(len(alerts)), items="\n".join(lines), webhook_id=webhook_id)
        return (Template(title or DEFAULT_DIGEST_TITLE).safe_substitute(fields),
                Template(DEFAULT_DIGEST_BODY if body is None else body
                         ).safe_substitute(fields))
    fields = _alert_fields(data)
    fields.update(count="1", items="", webhook_id=webhook_id)
    return (Template(title or DEFAULT_TITLE).safe_substitute(fields),
            Template(body or DEFAULT_BODY).safe_substitute(fields))


def _check_template(name: str, key: str, text: str | None) -> None:
    if text is None:
        return
    try:
        Template(text).substitute(dict.fromkeys(FIELDS, ""))
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"targets.{name}.{key}",
                          f"bad template ({exc}); fields: {', '.join(FIELDS)}") from None


class AppriseNotifier:
    """Sends a rendered message to one apprise URL (``slack://...``, ``ntfy://...``, ...)."""

    def __init__(self, name: str, url: str, *, template: str | None = None,
                 title_template: str | None = None, timeout: float = 10.0) -> None:
        try:
            with warnings.catch_warnings():
                # apprise still imports modules Python deprecates (imghdr); not ours to fix.
                warnings.simplefilter("ignore", DeprecationWarning)
                import apprise
        except ImportError:
            raise ConfigError(f"targets.{name}.kind", "apprise is not installed: "
                                                      "pip install 'monitor[apprise]'") from None
        _check_template(name, "template", template)
        _check_template(name, "title_template", title_template)
        self.name = name
        self.template, self.title_template = template, title_template
        self.timeout = timeout
        self._apprise = apprise.Apprise()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            added = self._apprise.add(url)
        if not added:
            raise ConfigError(f"targets.{name}.url", "apprise does not understand this URL")

    async def send(self, item: OutboxItem) -> SendResult:
        title, body = render(json.loads(item.payload), item.webhook_id, body=self.template,
                             title=self.title_template)
        started = time.perf_counter()
        try:
            # apprise is synchronous (requests); a thread keeps the event loop free.
            result = await asyncio.wait_for(
                asyncio.to_thread(self._apprise.notify, body=body, title=title),
                timeout=self.timeout)
        except TimeoutError:
            return SendResult(False, None, f"timed out after {self.timeout}s",
                              (time.perf_counter() - started) * 1000)
        except Exception as exc:  # apprise plugins raise what their libraries raise
            return SendResult(False, None, f"{type(exc).__name__}: {exc}",
                              (time.perf_counter() - started) * 1000)
        latency = (time.perf_counter() - started) * 1000
        if bool(result):
            return SendResult(True, None, None, latency)
        return SendResult(False, None, "apprise: the service refused or failed the message",
                          latency)
