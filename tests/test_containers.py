"""The container files: docker-compose.yml validates, the image is non-root and health checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_is_valid() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("docker-compose must be installed under CI (.ci/run installs it)")
        pytest.skip("docker-compose is not installed")
    out = subprocess.run([binary, "config", "-q"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    config = subprocess.run([binary, "config"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=True).stdout
    assert "replicas: 2" in config and "postgres:" in config
    assert "MONITOR_API_TOKEN_FILE" in config  # the API listens beyond loopback: token needed


def _compose_config() -> dict[str, Any]:
    """The compose file as docker-compose resolves it (or the file itself without it)."""
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("docker-compose must be installed under CI (.ci/run installs it)")
        text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    else:
        text = subprocess.run([binary, "config"], cwd=ROOT, capture_output=True, text=True,
                              timeout=120, check=True).stdout
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_compose_file_has_no_obsolete_version_key() -> None:
    raw = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert "version" not in raw


def test_compose_publishes_the_api_on_the_host_loopback_only() -> None:
    monitor = _compose_config()["services"]["monitor"]
    ports = [str(p) if not isinstance(p, dict) else
             f"{p.get('host_ip', '')}:{p.get('published')}:{p.get('target')}"
             for p in monitor.get("ports", [])]
    assert ports, "the API is published to the host"
    for port in ports:
        assert port.startswith("127.0.0.1:"), port  # never on the host's other addresses
        assert ":8080" in port


def test_compose_mounts_the_rules_directory() -> None:
    monitor = _compose_config()["services"]["monitor"]
    mounts = [str(v) if not isinstance(v, dict) else f"{v.get('source')}:{v.get('target')}"
              for v in monitor.get("volumes", [])]
    assert any(m.split(":")[1] == "/app/rules" and m.split(":")[0].endswith("rules")
               for m in mounts), mounts
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "MONITOR_RULES_DIR=/app/rules" in dockerfile  # where the daemon reads them


def test_compose_reads_the_webhook_secret_from_a_secrets_file() -> None:
    config = _compose_config()
    monitor = config["services"]["monitor"]
    env = monitor["environment"]
    assert "MONITOR_WEBHOOK_SECRET" not in env  # never in the environment
    assert env["MONITOR_WEBHOOK_SECRET_FILE"] == "/run/secrets/webhook_secret"
    names = [s if isinstance(s, str) else s["source"] for s in monitor["secrets"]]
    assert "webhook_secret" in names and "webhook_secret" in config["secrets"]


def test_dockerfile_runs_unprivileged_with_a_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "\nUSER " in text and "USER root" not in text
    assert "HEALTHCHECK" in text and "monitor.cli.healthcheck" in text
    assert "EXPOSE 8080" in text and "STOPSIGNAL SIGTERM" in text
