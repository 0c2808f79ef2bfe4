"""Shared fixtures: real SQLite files in tmp dirs, the CLI in a subprocess, a loopback server."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Settings
from monitor.testing import LoopbackServer
from tests.databases import Migrated, fresh_postgres_database, in_ci

ROOT = Path(__file__).resolve().parents[1]


def _snapshot_rules() -> Path:
    # Tests never read or write the live rules/ directory: a user editing a rule while the
    # suite runs must not break it. They read this copy, taken once when the suite starts
    # (tests that change rules copy it again into their own tmp_path).
    import atexit
    import shutil
    import tempfile

    where = Path(tempfile.mkdtemp(prefix="monitor-test-rules-"))
    shutil.copytree(ROOT / "rules", where / "rules")
    atexit.register(shutil.rmtree, where, True)
    return where / "rules"


RULES = _snapshot_rules()


def _private_cache() -> None:
    # The commands the tests run keep parsed rules and the language model in the user's cache
    # directory (monitor.rules.rulecache); a test run must not fill the developer's with
    # entries for hundreds of temporary rule directories: each test process gets its own.
    import atexit
    import shutil
    import tempfile

    where = tempfile.mkdtemp(prefix="monitor-test-cache-")
    os.environ["XDG_CACHE_HOME"] = where
    atexit.register(shutil.rmtree, where, True)


_private_cache()
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
# Tests serve everything from 127.0.0.1; the default policy refuses loopback, so allow it here.
LOOPBACK = "127.0.0.1/32"



# dateparser (under trafilatura) runs logging.config.dictConfig(disable_existing_loggers=True)
# the first time it logs while the root logger has no handler, which silences every logger
# made before it, ours included. The daemon and the CLI install their handler first
# (monitor.logs.setup_logging); in-process tests need one from the start too.
logging.getLogger().addHandler(logging.NullHandler())


def needs_corpus(path: Path) -> pytest.MarkDecorator:
    """For tests that read the shared corpus (``../shared/corpus``, beside the checkout): on a
    fresh clone without it they skip and say why; under ``CI=true`` they run, and fail when it
    is missing."""
    return pytest.mark.skipif(not path.is_dir() and not in_ci(),
                              reason=f"the shared corpus is not here ({path}); clone it to "
                              f"{SHARED} to run this test (under CI=true a missing corpus "
                              "fails)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests marked ``backends`` run once on SQLite and once on PostgreSQL: one code path.
    if "db_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
            "backends"):
        metafunc.parametrize("db_backend", ["sqlite", pytest.param(
            "postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    # ``-n auto``: most of the suite waits (daemons in subprocesses, leases running out, real
    # servers), so one process more than the cores keeps them busy. On two cores the suite
    # took 253 s with two processes and 205 s with three.
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The tests run in parallel processes (pytest-xdist), each handed the next tests in this
    # order: the few that take many seconds (daemons in subprocesses, real leases running
    # out, a browser) go first, so that none of them starts last and runs alone.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Migrated]:
    with ExitStack() as stack:  # drops the PostgreSQL template at the end of the session
        yield Migrated(tmp_path_factory.mktemp("migrated"), stack)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, db_backend: str,
           _migrated: Migrated) -> Iterator[str]:
    empty = request.node.get_closest_marker("empty_database") is not None
    if db_backend == "postgres":
        database = (fresh_postgres_database(None, _migrated.graveyard) if empty
                    else _migrated.postgres())
        with database as url:
            yield url
    else:
        path = tmp_path / "monitor.db"
        if not empty:
            shutil.copyfile(_migrated.sqlite_file(), path)
        yield f"sqlite:///{path}"


@pytest.fixture
def pg_url(_migrated: Migrated) -> Iterator[str]:
    """A migrated PostgreSQL database with no rows (for tests about PostgreSQL only)."""
    with _migrated.postgres() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # demo: the seeds are the tests' sample data, and their alerts are delivered (without it
    # a sample source reaches no target: tests/test_first_run.py).
    return Settings(database_url=db_url, rules_dir=RULES, seeds_dir=ROOT / "seeds",
                    worker_id="test", allow_private_networks=LOOPBACK, demo=True,
                    backlog_hours=-1)  # fixture feeds are old or undated: tests/test_first_run.py


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_DATABASE_URL=db_url, MONITOR_RULES_DIR=str(RULES),
               MONITOR_SEEDS_DIR=str(ROOT / "seeds"), PYTHONPATH=str(ROOT),
               MONITOR_API_PORT="0", MONITOR_ALLOW_PRIVATE_NETWORKS=LOOPBACK,
               MONITOR_DEMO="1", MONITOR_BACKLOG_HOURS="-1")  # as in ``settings``
    return env


def json_lines(text: str) -> list[Any]:
    """The objects of a ``--json`` list: JSON Lines, one object per line."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class CLI:
    """Runs ``monitor ...`` as a user would, in a temporary working directory and environment.

    In process by default, through ``monitor.cli.main(argv)`` (a subprocess pays about 3 s of
    imports per command, which made the suite slow); ``process=True`` runs ``python -m
    monitor`` in a real subprocess, for the end-to-end tests of the entry point itself.
    """

    def __init__(self, env: dict[str, str], cwd: Path, *, process: bool = False) -> None:
        self.env, self.cwd, self.process = env, cwd, process

    def __call__(self, *args: str, input: str | None = None, timeout: float = 120,
                 **extra_env: str) -> subprocess.CompletedProcess[str]:
        if self.process:
            return subprocess.run([sys.executable, "-m", "monitor", *args],
                                  env={**self.env, **extra_env}, cwd=self.cwd, input=input,
                                  capture_output=True, text=True, timeout=timeout,
                                  check=False)
        return run_in_process(list(args), {**self.env, **extra_env}, self.cwd, input)


def run_in_process(argv: list[str], env: dict[str, str], cwd: Path,
                   input: str | None) -> subprocess.CompletedProcess[str]:
    """``monitor argv`` through ``main``, with this environment, directory and stdin."""
    import io
    import logging

    from monitor.cli import main

    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    sys.stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for h in root.handlers:
            if h not in handlers:
                root.removeHandler(h)
        for h in handlers:
            if h not in root.handlers:
                root.addHandler(h)
        root.setLevel(level)
    return subprocess.CompletedProcess(["monitor", *argv], code, out.getvalue(),
                                       err.getvalue())


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> CLI:
    return CLI(cli_env, tmp_path)


@pytest.fixture
def cli_process(cli_env: dict[str, str], tmp_path: Path) -> CLI:
    """The CLI in a real subprocess (``python -m monitor``): for end-to-end tests only."""
    return CLI(cli_env, tmp_path, process=True)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _monitor_loggers_enabled() -> None:
    # Libraries that configure logging with dictConfig (import-linter, dateparser when the root
    # logger has no handler) disable every logger that exists then; in one test process that
    # would silence monitor's loggers for every later test (a CLI run in process included).
    import logging

    logging.disable(logging.NOTSET)
    for name, logger in logging.root.manager.loggerDict.items():
        if name.startswith("monitor") and isinstance(logger, logging.Logger):
            logger.disabled = False
