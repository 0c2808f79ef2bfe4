"""Structured logs: JSON lines or key=value, the event's fields rendered, secrets redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from monitor.logs import REDACTED, setup_logging


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_off_a_terminal_carry_the_event_and_its_fields() -> None:
    out = io.StringIO()
    setup_logging(level="info", stream=out)
    logging.getLogger("monitor.reader.poller").warning(
        "source.poll.failed", extra={"source": 3, "error": "HTTP 503", "items": [1, 2]})
    logging.getLogger("monitor.reader.poller").debug("hidden")
    line = json.loads(out.getvalue())
    assert line["event"] == "source.poll.failed" and line["level"] == "warning"
    assert (line["source"], line["error"], line["items"]) == (3, "HTTP 503", [1, 2])
    assert line["logger"] == "monitor.reader.poller" and line["ts"].endswith("Z")
    assert out.getvalue().count("\n") == 1


@pytest.mark.usefixtures("restore_logging")
def test_key_value_lines_at_a_terminal() -> None:
    out = _Tty()
    setup_logging(level="info", stream=out)
    logging.getLogger("monitor.delivery.worker").warning(
        "delivery.dead", extra={"delivery": 7, "target": "default", "error": "HTTP 410 Gone"})
    text = out.getvalue()
    assert "WARNING delivery.dead delivery=7 target=default" in text
    assert 'error="HTTP 410 Gone"' in text


@pytest.mark.usefixtures("restore_logging")
def test_secrets_are_redacted_everywhere_in_a_record() -> None:
    out = io.StringIO()
    setup_logging(level="info", stream=out, secrets=["hunter2-secret"])
    log = logging.getLogger("monitor.test")
    log.info("connecting to %s", "postgresql://u:hunter2-secret@db/x",
             extra={"url": "https://x/?k=hunter2-secret", "nested": {"a": ["hunter2-secret"]}})
    try:
        raise ValueError("bad password hunter2-secret")
    except ValueError:
        log.exception("crash")
    text = out.getvalue()
    assert "hunter2-secret" not in text
    first, second = (json.loads(x) for x in text.splitlines())
    assert first["event"] == f"connecting to postgresql://u:{REDACTED}@db/x"
    assert first["url"] == f"https://x/?k={REDACTED}" and first["nested"] == {"a": [REDACTED]}
    assert REDACTED in second["exception"]


def test_progress_is_a_bar_at_a_terminal_and_log_lines_otherwise(
        restore_logging: None) -> None:
    from monitor.cli.progress import Progress

    tty = _Tty()
    with Progress(tty, "importing") as bar:
        bar.start(2)
        bar.step("https://example.org/a.rss")
        bar.step("https://example.org/b.rss")
    assert "importing" in tty.getvalue()
    plain, logs = io.StringIO(), io.StringIO()
    setup_logging(level="info", stream=logs)
    with Progress(plain, "importing") as lines:
        lines.start(1)
        lines.step("https://example.org/a.rss", added=True)
    assert plain.getvalue() == ""
    event = json.loads(logs.getvalue())
    assert (event["event"], event["done"], event["total"], event["added"]) == (
        "progress", 1, 1, True)


def test_every_logged_event_is_in_the_vocabulary() -> None:
    import re
    from pathlib import Path

    from monitor.logs import EVENTS

    root = Path(__file__).resolve().parents[1] / "monitor"
    call = re.compile(r'\blog\.(?:debug|info|warning|error|exception|critical)\(\s*"([^"]+)"')
    cond = re.compile(r'\blog\.\w+\(\s*"([^"]+)" if .+? else "([^"]+)"')
    used: set[str] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used.update(call.findall(text))
        for pair in cond.findall(text):
            used.update(pair)
    assert used, "no log call found"
    unknown = {e for e in used if e not in EVENTS and " " not in e and "%" not in e}
    assert not unknown, f"add these events to monitor.logs.EVENTS: {sorted(unknown)}"


@pytest.mark.usefixtures("restore_logging")
def test_debug_logs_of_the_http_client_never_carry_a_webhook_key() -> None:
    import httpx

    from monitor.testing import LoopbackServer, Reply

    out = io.StringIO()
    setup_logging(level="debug", fmt="json", stream=out)
    with LoopbackServer() as server:
        server.route("/hook", Reply(200, b"ok"))
        url = server.url("/hook?key=hunter2-webhook-key&sig=abc123")
        with_user = url.replace("http://", "http://alice:pa55word@")
        with httpx.Client() as client:
            assert client.post(url, content=b"{}").status_code == 200
            assert client.post(with_user, content=b"{}").status_code == 200
    text = out.getvalue()
    assert "/hook?" + REDACTED in text  # the request was logged, its key was not
    for secret in ("hunter2-webhook-key", "abc123", "alice", "pa55word"):
        assert secret not in text
