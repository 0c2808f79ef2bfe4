"""The container files: docker-compose.yml validates, the image is non-root and health checked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

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


def test_dockerfile_runs_unprivileged_with_a_health_check() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "\nUSER " in text and "USER root" not in text
    assert "HEALTHCHECK" in text and "monitor.cli.healthcheck" in text
    assert "EXPOSE 8080" in text and "STOPSIGNAL SIGTERM" in text
