"""Settings that look like numbers but are not, typos, and tokens too short to protect."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.app import open_app
from monitor.config import Settings, load_settings
from monitor.errors import ConfigError


@pytest.mark.parametrize("name", ["MONITOR_FETCH_DEADLINE", "MONITOR_POLL_TICK_SECONDS",
                                  "MONITOR_MAX_BODY_BYTES", "MONITOR_RETENTION_DAYS"])
@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e400", "Infinity"])
def test_non_finite_numbers_are_errors_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert caught.value.setting == name
    assert value in str(caught.value)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("MONITOR_RETENTION_DAYS", "99999999999", "at most 36,500"),  # would overflow a date
    ("MONITOR_DEFAULT_INTERVAL", "1e300", "at most 1,000,000,000"),  # would overflow SQL integers
    ("MONITOR_SHUTDOWN_GRACE", "1e18", "at most 1,000,000,000"),
])
def test_numbers_past_their_range_are_errors(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as caught:
        load_settings({name: value})
    assert caught.value.setting == name


@pytest.mark.parametrize("toml", ["fetch_deadline_seconds = nan",
                                  "fetch_deadline_seconds = inf",
                                  "[api]\nport = inf"])
def test_non_finite_numbers_in_the_file_are_errors_too(tmp_path: Path, toml: str) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(toml + "\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"MONITOR_CONFIG": str(config)})
    assert "finite" in str(caught.value)


def test_unknown_variables_are_warnings_with_a_suggestion(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="monitor.config"):
        settings = load_settings({"MONITOR_FETCH_DEADLIN": "5", "MONITOR_API_TOKEN_FILE": "",
                                  "MONITOR_DATABASE_PASSWORD": "", "MONITOR_WEBHOOK_URL": ""})
    assert settings.warnings == (
        "MONITOR_FETCH_DEADLIN: unknown variable, ignored (did you mean MONITOR_FETCH_DEADLINE?)",)
    assert [r.getMessage() for r in caplog.records] == ["config.unknown"]


def test_unknown_keys_in_the_file_suggest_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text("fetch_concurency = 3\n", "utf-8")
    with pytest.raises(ConfigError, match="did you mean fetch_concurrency"):
        load_settings({"MONITOR_CONFIG": str(config)})


def test_unknown_rule_options_are_warnings(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[rules.sanctions]\nthrotle = "5/1h"\ndigest = "1h"\n', "utf-8")
    settings = load_settings({"MONITOR_CONFIG": str(config)})
    [warning] = settings.warnings
    assert "rules.sanctions.throtle: unknown option" in warning
    assert "did you mean throttle?" in warning


def test_rule_tables_naming_no_loaded_rule_are_warned_at_start(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    tables = {"rules": {"sanction": {"digest": "1h"}, "embassies": {"digest": "1h"}}}

    async def start() -> None:
        async with AsyncExitStack() as stack:
            await open_app(stack, replace(settings, tables=tables))

    import asyncio

    with caplog.at_level(logging.WARNING, logger="monitor.app"):
        asyncio.run(start())
    warnings = [r.__dict__["warning"] for r in caplog.records
                if r.getMessage() == "config.unknown"]
    assert warnings == ["rules.sanction: no rule has this id, its options apply to nothing "
                        "(did you mean sanctions?)"]


@pytest.mark.parametrize("token", ["   ", "\t\n", "short-token", " x" * 7])
def test_a_blank_or_short_token_is_refused(token: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"MONITOR_API_TOKEN": token, "MONITOR_API_HOST": "0.0.0.0"})
    assert caught.value.setting == "MONITOR_API_TOKEN" and "at least 16" in str(caught.value)


def test_a_long_token_is_kept_without_surrounding_space() -> None:
    s = load_settings({"MONITOR_API_TOKEN": "  a-long-enough-token-42  "})
    assert s.api_token == "a-long-enough-token-42"


def test_folder_roots_are_resolved_directories(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    s = load_settings({"MONITOR_FOLDER_ROOTS": f"{tmp_path}/a/../a:{tmp_path}/b"})
    assert s.folder_roots == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
    config = tmp_path / "monitor.toml"
    config.write_text(f'folder_roots = ["{tmp_path}/a"]\n', "utf-8")
    assert load_settings({"MONITOR_CONFIG": str(config)}).folder_roots == (
        (tmp_path / "a").resolve(),)
    with pytest.raises(ConfigError, match="not a directory") as caught:
        load_settings({"MONITOR_FOLDER_ROOTS": str(tmp_path / "missing")})
    assert caught.value.setting == "MONITOR_FOLDER_ROOTS"
    assert load_settings({}).folder_roots == ()
