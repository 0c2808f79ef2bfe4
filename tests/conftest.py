"""Shared fixtures: real SQLite files in tmp dirs, the CLI in a subprocess, a loopback server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import Settings
from monitor.testing import LoopbackServer

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
# Tests serve everything from 127.0.0.1; the default policy refuses loopback, so allow it here.
LOOPBACK = "127.0.0.1/32"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(database_url=db_url, rules_dir=ROOT / "rules", seeds_dir=ROOT / "seeds",
                    worker_id="test", allow_private_networks=LOOPBACK)


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_DATABASE_URL=db_url, MONITOR_RULES_DIR=str(ROOT / "rules"),
               MONITOR_SEEDS_DIR=str(ROOT / "seeds"), PYTHONPATH=str(ROOT),
               MONITOR_API_PORT="0", MONITOR_ALLOW_PRIVATE_NETWORKS=LOOPBACK)
    return env


class CLI:
    """Runs ``python -m monitor`` as a user would, in a temporary working directory."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd

    def __call__(self, *args: str, input: str | None = None, timeout: float = 120,
                 **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "monitor", *args], env={**self.env,
                              **extra_env}, cwd=self.cwd, input=input, capture_output=True,
                              text=True, timeout=timeout, check=False)


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> CLI:
    return CLI(cli_env, tmp_path)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv
