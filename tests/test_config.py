"""Configuration: monitor.toml plus MONITOR_* (env wins), validated with the setting named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config import (
    Settings,
    check_api_binding,
    known_settings,
    load_settings,
    secret_values,
)
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _toml(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return {"MONITOR_CONFIG": str(path)}


def test_file_values_apply_sections_flatten_and_env_wins(tmp_path: Path) -> None:
    env = _toml(tmp_path, 'poll_tick_seconds = 3\nlog_format = "json"\n'
                '[api]\nport = 9000\nhost = "::1"\nenabled = false\n')
    s = load_settings(env)
    assert (s.poll_tick_seconds, s.log_format, s.api_port, s.api_host, s.api_enabled) == (
        3.0, "json", 9000, "::1", False)
    assert s.config == tmp_path / "monitor.toml"
    s = load_settings({**env, "MONITOR_API_PORT": "0", "MONITOR_API_ENABLED": "yes"})
    assert (s.api_port, s.api_enabled) == (0, True)


def test_defaults_without_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings({})
    assert s == Settings(worker_id=s.worker_id, rules_dir=s.rules_dir, seeds_dir=s.seeds_dir)
    assert s.api_host == "127.0.0.1" and s.api_port == 8080 and s.config is None


def test_local_monitor_toml_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monitor.toml").write_text('user_agent = "probe/1"\n', encoding="utf-8")
    assert load_settings({}).user_agent == "probe/1"


@pytest.mark.parametrize(("text", "env", "setting", "words"), [
    ("api_port = 'x'", {}, "monitor.toml: api_port", "expected a number"),
    ("api_port = 1.5", {}, "monitor.toml: api_port", "whole number"),
    ("", {"MONITOR_API_PORT": "70000"}, "MONITOR_API_PORT", "at most 65535"),
    ("", {"MONITOR_API_ENABLED": "maybe"}, "MONITOR_API_ENABLED", "true or false"),
    ("", {"MONITOR_SHUTDOWN_GRACE": "-1"}, "MONITOR_SHUTDOWN_GRACE", "at least 0"),
    ("", {"MONITOR_LOG_FORMAT": "xml"}, "MONITOR_LOG_FORMAT", "auto, json or text"),
    ("pol_tick = 3", {}, "monitor.toml: pol_tick", "unknown setting"),
    ("[api\nport=1", {}, "MONITOR_CONFIG", "invalid TOML"),
    ("", {"MONITOR_API_TOKEN_FILE": "/no/such/token"}, "MONITOR_API_TOKEN_FILE",
     "cannot read"),
])
def test_bad_values_name_the_setting(tmp_path: Path, text: str, env: dict[str, str],
                                     setting: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**_toml(tmp_path, text), **env})
    assert caught.value.setting.endswith(setting) and words in str(caught.value)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MONITOR_CONFIG: no such file"):
        load_settings({"MONITOR_CONFIG": str(tmp_path / "nope.toml")})


def test_secrets_come_from_files_and_are_listed_for_redaction(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token-from-file\n", encoding="utf-8")
    password = tmp_path / "pw"
    password.write_text("pg-pass-77", encoding="utf-8")
    s = load_settings({"MONITOR_API_TOKEN_FILE": str(token),
                       "MONITOR_DATABASE_URL": "postgresql+psycopg://u@db/monitor",
                       "MONITOR_DATABASE_PASSWORD_FILE": str(password)})
    assert s.api_token == "s3cret-token-from-file"
    assert s.database_url == "postgresql+psycopg://u:pg-pass-77@db/monitor"
    assert set(secret_values(s)) == {"s3cret-token-from-file", "pg-pass-77"}
    # The environment wins over a file, as everywhere else.
    direct = "direct-token-0123456"
    assert load_settings({"MONITOR_API_TOKEN_FILE": str(token),
                          "MONITOR_API_TOKEN": direct}).api_token == direct


def test_api_refuses_other_addresses_than_loopback_without_a_token() -> None:
    check_api_binding(Settings(api_host="127.0.0.1"))
    check_api_binding(Settings(api_host="0.0.0.0", api_token="t"))
    check_api_binding(Settings(api_host="0.0.0.0", api_enabled=False))
    with pytest.raises(ConfigError) as caught:
        check_api_binding(Settings(api_host="0.0.0.0"))
    assert caught.value.setting == "MONITOR_API_HOST" and "MONITOR_API_TOKEN" in str(caught.value)


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(MONITOR_[A-Z0-9_]+)`", section, re.MULTILINE))
    missing = set(known_settings()) - documented
    assert not missing, f"settings missing from the README's configuration table: {missing}"
    for name, f in known_settings().items():
        assert f.metadata.get("doc"), f"{name}: declare it with setting(default, doc)"


def test_ingestion_settings_are_validated() -> None:
    ok = load_settings({"MONITOR_ALLOW_PRIVATE_NETWORKS": "127.0.0.1/32, 10.0.0.0/8",
                        "MONITOR_CONTACT_URL": "mailto:ops@example.org",
                        "MONITOR_ALERT_PER_STORY": "no", "MONITOR_MIN_INTERVAL": "60"})
    assert ok.alert_per_story is False and ok.min_interval_seconds == 60
    for env, setting in (({"MONITOR_ALLOW_PRIVATE_NETWORKS": "10.0.0.0/33"},
                          "MONITOR_ALLOW_PRIVATE_NETWORKS"),
                         ({"MONITOR_CONTACT_URL": "ops@example.org"}, "MONITOR_CONTACT_URL"),
                         ({"MONITOR_ALERT_PER_STORY": "maybe"}, "MONITOR_ALERT_PER_STORY"),
                         ({"MONITOR_MIN_INTERVAL": "600", "MONITOR_MAX_INTERVAL": "60"},
                          "MONITOR_MAX_INTERVAL")):
        with pytest.raises(ConfigError) as err:
            load_settings(env)
        assert err.value.setting == setting
