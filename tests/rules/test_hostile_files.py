"""Hostile rule and concept files where the daemon meets them: at start, at a hot reload and
in ``/readyz``. A located, short problem each time, never a traceback or an expanded alias."""

from __future__ import annotations

import shutil
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from monitor.app import App, open_app
from monitor.cli.main import main
from monitor.config import Settings
from monitor.errors import RuleError
from tests.apiclient import with_api
from tests.conftest import RULES
from tests.rules.test_check_limits import BOMB


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    return rules


def test_an_alias_bomb_concept_file_is_refused_at_the_alias(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (rules / "concepts" / "bomb.yaml").write_text(BOMB, "utf-8")
    assert main(["rules", "check", str(rules)]) == 1
    out = capsys.readouterr().out
    assert "bomb.yaml:2:8: invalid YAML: YAML aliases are not allowed" in out
    assert len(out) < 2000


@pytest.mark.parametrize("query", ["(" * 200 + "iran" + ")" * 200,
                                   " NEAR/2 ".join(["iran"] * 300)])
def test_deep_nesting_stops_the_start_with_a_located_error(
        settings: Settings, rules: Path, query: str) -> None:
    (rules / "deep.yaml").write_text(f"id: deep\nquery: '{query}'\n", "utf-8")

    async def start() -> None:
        async with AsyncExitStack() as stack:
            await open_app(stack, replace(settings, rules_dir=rules))

    import asyncio

    with pytest.raises(RuleError) as caught:
        asyncio.run(start())
    text = str(caught.value)
    assert "deep.yaml:2:" in text and "64" in text and len(text) < 2000


def test_an_alias_bomb_dropped_into_the_rules_keeps_readyz_small(
        settings: Settings, rules: Path) -> None:
    async def scenario(client: httpx.AsyncClient, app: App) -> None:
        assert app.reloader is not None
        good = app.matcher.version
        (rules / "bomb.yaml").write_text(BOMB, "utf-8")
        assert not app.reloader.check_rules()
        assert app.matcher.version == good  # the last good set stays in force
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and len(ready.content) < 5000
        [problem] = ready.json()["reload"]["rules_rejected"]
        assert "bomb.yaml:2:8" in problem and "aliases are not allowed" in problem
        (rules / "concepts" / "bomb.yaml").write_text(BOMB, "utf-8")
        (rules / "bomb.yaml").unlink()
        assert not app.reloader.check_rules()
        ready = await client.get("/readyz")
        assert len(ready.content) < 5000
        assert "aliases are not allowed" in ready.json()["reload"]["rules_rejected"][0]

    with_api(replace(settings, rules_dir=rules), scenario, token=None)
