"""Quick commands load only what they use: ``monitor --help`` and ``monitor match`` never
import the database layer, the web stack or the daemon (each costs a noticeable part of a
second at every start)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SEED = ROOT / "seeds" / "000_6dba894c3f267814.txt"
# Run the command, then name what got imported that a command without a database never needs.
PROBE = """
import json, sys
from monitor.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code or 0
heavy = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "starlette", "uvicorn", "jinja2", "httpx",
         "apprise", "monitor.store", "monitor.api", "monitor.web", "monitor.daemon",
         "monitor.delivery.worker", "monitor.reader.poller")
loaded = sorted(m for m in sys.modules if m.startswith(heavy))
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["--help"], ["match", str(SEED)], ["match", "--json", "-"]])
def test_quick_commands_do_not_load_the_database_or_web_stack(
        argv: list[str], cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {**cli_env, "MONITOR_RULES_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env, cwd=tmp_path,
                          input='{"title": "Embassy closed", "body": "The embassy closed."}\n',
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}, done.stderr
    if argv[0] == "match":
        assert "embassies" in done.stdout
