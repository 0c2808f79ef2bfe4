"""Targets and per-rule noise options from the config file: good tables work, bad ones say why."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from monitor.config import load_settings
from monitor.delivery.notifiers.apprise import render
from monitor.delivery.targets import (
    NoisePolicy,
    Throttle,
    parse_duration,
    parse_noise,
    parse_targets,
)
from monitor.errors import ConfigError
from monitor.store import OutboxItem
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import NOW, SECRET, SECRET2


def test_targets_from_the_config_file_and_the_environment(tmp_path: Path) -> None:
    secret_file = tmp_path / "ops.secret"
    secret_file.write_text(f"{SECRET2}\n{SECRET}\n")
    config = tmp_path / "monitor.toml"
    config.write_text(f"""
[targets.ops]
url = "https://ops.example.org/hook"
secret_file = "{secret_file}"
concurrency = 4
timeout = 3.5

[targets.legal]
url = "http://127.0.0.1:9/hook"
secrets = ["{SECRET}"]
ordered = true

[targets.chat]
kind = "apprise"
url = "json://127.0.0.1:9/x"
template = "$title"

[rules.sanctions]
throttle = "10/1h"
[rules.embassies]
digest = "30m"
""")
    settings = load_settings({"MONITOR_CONFIG": str(config),
                              "MONITOR_WEBHOOK_URL": "http://127.0.0.1:9/default"})
    targets = parse_targets(settings.tables["targets"], webhook_url=settings.webhook_url)
    assert list(targets) == ["ops", "legal", "chat", "default"]
    assert targets["ops"].secrets == (SECRET2, SECRET)
    assert (targets["ops"].concurrency, targets["ops"].timeout) == (4, 3.5)
    assert targets["legal"].concurrency == 1  # ordered: strictly one at a time
    assert targets["chat"].kind == "apprise" and targets["chat"].template == "$title"
    assert parse_noise(settings.tables["rules"]) == {
        "sanctions": NoisePolicy(throttle=Throttle(10, 3600)),
        "embassies": NoisePolicy(digest_seconds=1800)}


@pytest.mark.parametrize(("table", "message"), [
    ({"x": {"secret": SECRET}}, "targets.x.url: missing"),
    ({"x": {"url": "ftp://h/"}}, "targets.x.url: expected an http(s) URL"),
    ({"x": {"url": "http://h/", "secret": "whsec_!!"}}, "targets.x.secrets: expected 'whsec_'"),
    ({"x": {"url": "http://h/", "kind": "pigeon"}}, "targets.x.kind: expected one of"),
    ({"x": {"url": "http://h/", "concurrency": 0}}, "targets.x.concurrency: expected a pos"),
    ({"x": {"url": "http://h/", "timeout": "slow"}}, "targets.x.timeout: expected a positive"),
    ({"x": {"url": "http://h/", "colour": "red"}}, "targets.x: unknown keys colour"),
    ({"x": {"url": "http://h/", "secret_file": "/nonexistent/s"}}, "targets.x.secret_file"),
    ({"bad name": {"url": "http://h/"}}, "a target name is"),
    ({"x": "http://h/"}, "targets.x: expected a table"),
])
def test_bad_target_tables_name_the_key(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_targets(table)


@pytest.mark.parametrize(("rules", "message"), [
    ({"r": {"throttle": "ten"}}, "rules.r.throttle: expected 'N/window'"),
    ({"r": {"throttle": "0/1h"}}, "rules.r.throttle"),
    ({"r": {"throttle": "5/soon"}}, "rules.r.throttle: expected a duration"),
    ({"r": {"digest": "-1h"}}, "rules.r.digest"),
    ({"r": 3}, "rules.r: expected a table"),
])
def test_bad_rule_options_name_the_key(rules: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_noise(rules)


def test_durations() -> None:
    assert [parse_duration(v, "x") for v in (90, "90s", "15m", "1h", "2d", "1.5h")] == \
        [90, 90, 900, 3600, 172800, 5400]


def test_a_broken_config_file_stops_the_start_with_its_name(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text("[targets.x\nurl=")
    with pytest.raises(ConfigError, match="MONITOR_CONFIG"):
        load_settings({"MONITOR_CONFIG": str(config)})
    with pytest.raises(ConfigError, match="no such file"):
        load_settings({"MONITOR_CONFIG": str(tmp_path / "missing.toml")})
    config.write_text('[targets.default]\nurl = "http://127.0.0.1:9/"\n')
    with pytest.raises(ConfigError, match="one or the other"):
        load_settings({"MONITOR_CONFIG": str(config),
                       "MONITOR_WEBHOOK_URL": "http://127.0.0.1:9/x"})


def test_delivery_timing_settings() -> None:
    s = load_settings({"MONITOR_RETRY_BASE_SECONDS": "0.05", "MONITOR_RETRY_HORIZON_SECONDS":
                       "600", "MONITOR_DELIVERY_LEASE_SECONDS": "2",
                       "MONITOR_DELIVERY_CONCURRENCY": "3"})
    assert (s.retry_base_seconds, s.retry_horizon_seconds, s.delivery_lease_seconds,
            s.delivery_concurrency) == (0.05, 600, 2, 3)
    with pytest.raises(ConfigError, match="MONITOR_RETRY_BASE_SECONDS"):
        load_settings({"MONITOR_RETRY_BASE_SECONDS": "soon"})


ALERT: dict[str, Any] = {"type": "alert", "data": {
    "rule": {"id": "sanctions", "name": "International sanctions"},
    "article": {"title": "EU widens sanctions", "url": "https://n.example/1",
                "source": "Wire", "published": "2025-01-01T10:00:00Z"},
    "evidence": [{"term": "sanction*", "snippet": "EU widens «sanctions»"}]}}


def test_chat_messages_are_rendered_from_templates() -> None:
    title, body = render(ALERT, "msg_1")
    assert title == "[International sanctions] EU widens sanctions"
    assert "https://n.example/1" in body and "«sanctions»" in body
    digest = {"type": "digest", "data": {"rule": ALERT["data"]["rule"],
                                         "alerts": [ALERT["data"], ALERT["data"]]}}
    title, body = render(digest, "msg_2", body="$count:\n$items")
    assert title == "[International sanctions] 2 new matches"
    assert body.splitlines()[1] == "- EU widens sanctions (Wire) https://n.example/1"


def test_a_breaking_story_says_so_and_names_its_sources() -> None:
    story = {"sources": [{"id": 1, "name": "Wire"}, {"id": 2, "name": "Le Monde"}],
             "sources_in_window": 2, "window_minutes": 60}
    breaking = {"type": "breaking", "data": {**ALERT["data"], "evidence": [], "story": story}}
    title, body = render(breaking, "msg_3")
    assert title == "[International sanctions] Breaking: EU widens sanctions"
    assert "2 sources within 60 min: Wire, Le Monde" in body


def test_the_apprise_channel_posts_to_a_real_server(server: LoopbackServer) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("apprise")
    from monitor.delivery.notifiers.apprise import AppriseNotifier

    server.route("/notify", Reply(200))
    notifier = AppriseNotifier("chat", f"json://127.0.0.1:{server.port}/notify",
                               template="$rule_name: $title <$url>")
    item = OutboxItem(1, 1, "chat", "msg_1", json.dumps(ALERT), 0, NOW)
    result = asyncio.run(notifier.send(item))
    assert result.ok, result.error
    [request] = server.received("/notify")
    sent = json.loads(request.body)
    assert sent["title"] == "[International sanctions] EU widens sanctions"
    assert sent["message"] == "International sanctions: EU widens sanctions " \
                              "<https://n.example/1>"
    server.route("/notify", Reply(500))
    failed = asyncio.run(notifier.send(item))
    assert not failed.ok and not failed.permanent  # retried like any other failure


def test_an_unknown_apprise_url_is_a_config_error() -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("apprise")
    from monitor.delivery.notifiers.apprise import AppriseNotifier

    with pytest.raises(ConfigError, match=r"targets\.chat\.url"):
        AppriseNotifier("chat", "nosuchservice://x")
    with pytest.raises(ConfigError, match=r"targets\.chat\.template"):
        AppriseNotifier("chat", "json://127.0.0.1:9/", template="$unknown_field")
