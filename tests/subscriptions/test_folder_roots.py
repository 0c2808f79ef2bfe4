"""Folder sources reach only where the caller may: the API under MONITOR_FOLDER_ROOTS, the CLI
anywhere (warned outside the working directory), no other URL scheme read as a path."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from monitor.app import App, url_policy
from monitor.cli.main import main
from monitor.config import Settings
from monitor.errors import ConfigError, SourceError
from monitor.store import Store
from monitor.subscriptions import FolderAccess, Subscriptions, declared_sources
from tests.apiclient import TOKEN, with_api


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``root/inbox`` (allowed), ``secret`` beside the root, and a link out of the root."""
    (tmp_path / "root" / "inbox").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "passwd.txt").write_text("root:x:0:0\n", "utf-8")
    (tmp_path / "root" / "escape").symlink_to(tmp_path / "secret", target_is_directory=True)
    return tmp_path


def _post(settings: Settings, location: str, roots: tuple[Path, ...]) -> httpx.Response:
    async def scenario(client: httpx.AsyncClient, app: App) -> httpx.Response:
        return await client.post("/api/v1/sources", json={"url": location})

    bare = replace(settings, api_token=TOKEN, folder_roots=roots,
                   seeds_dir=settings.seeds_dir.parent / "no-seeds")
    return with_api(bare, scenario)


def test_the_api_refuses_folder_sources_without_configured_roots(
        settings: Settings, tree: Path) -> None:
    r = _post(settings, str(tree / "root" / "inbox"), ())
    assert r.status_code == 422
    assert "MONITOR_FOLDER_ROOTS" in r.json()["error"]["message"]


@pytest.mark.parametrize("where", [
    "{tree}/root/inbox/../../secret",  # resolved before the check
    "{tree}/root/escape",  # a link inside the root that leads out of it
    "/etc",
    "{tree}/root/inbox/../../no-such-dir",  # refused the same way: nothing learnt about it
])
def test_the_api_refuses_folders_outside_the_roots_whatever_the_path_says(
        settings: Settings, tree: Path, where: str) -> None:
    r = _post(settings, where.format(tree=tree), (tree / "root",))
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "not under a folder root" in message and str(tree / "root") in message


def test_the_api_adds_a_folder_under_a_root_resolved(settings: Settings, tree: Path) -> None:
    r = _post(settings, f"{tree}/root/inbox/../inbox", (tree / "root",))
    assert r.status_code == 201, r.text
    assert (r.json()["url"], r.json()["kind"]) == (str((tree / "root" / "inbox").resolve()),
                                                   "folder")


def test_the_service_is_untrusted_unless_told(settings: Settings, tree: Path) -> None:
    store = Store.open(settings.database_url)
    try:
        with pytest.raises(SourceError, match="MONITOR_FOLDER_ROOTS"):
            Subscriptions(store, url_policy(settings)).add(str(tree / "secret"))
        added = Subscriptions(store, url_policy(settings), folders=FolderAccess(
            trusted=True, cwd=tree / "root")).add(str(tree / "secret"))
    finally:
        store.close()
    assert added.created and added.warning and "outside the working directory" in added.warning


def test_the_cli_adds_any_folder_but_warns_outside_the_working_directory(
        settings: Settings, tree: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(tree / "root")
    assert main(["sources", "add", "inbox"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["sources", "add", str(tree / "secret")]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "outside the working directory" in err


@pytest.mark.parametrize("url", ["ftp://files.example.org/news", "file:///etc",
                                 "gopher://example.org/1"])
def test_a_declared_source_with_another_scheme_is_an_error_not_a_folder(
        settings: Settings, tmp_path: Path, url: str) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f'[[sources]]\nurl = "{url}"\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        declared_sources(replace(settings, config=config))
    assert "URLs are not supported" in str(caught.value) and "source 1" in str(caught.value)


def test_another_scheme_is_refused_when_added_too(settings: Settings) -> None:
    store = Store.open(settings.database_url)
    try:
        service = Subscriptions(store, url_policy(settings), folders=FolderAccess(trusted=True))
        with pytest.raises(SourceError, match="ftp: URLs are not supported"):
            service.add("ftp://files.example.org/news")
    finally:
        store.close()


def test_the_console_adds_folders_under_the_roots_only(tmp_path: Path, tree: Path) -> None:
    from html import unescape

    from tests.web.consolehelp import log_in, settings_for, with_console

    async def add(c: httpx.AsyncClient, where: str) -> tuple[int, str]:
        csrf = await log_in(c)
        r = await c.post("/sources", data={"csrf": csrf, "url": where})
        return r.status_code, unescape(r.text)

    async def scenario(c: httpx.AsyncClient, app: App) -> None:
        for where in (f"{tree}/root/inbox/../../secret", f"{tree}/root/escape", "/etc"):
            status, text = await add(c, where)
            assert status == 422 and "not under a folder root" in text, where
        status, text = await add(c, f"{tree}/root/inbox")
        assert status == 200 and f"added {(tree / 'root' / 'inbox').resolve()}" in text
        assert "secret" not in str(app.store.list_sources())

    with_console(settings_for(tmp_path, folder_roots=((tree / "root").resolve(),),
                              seeds_dir=tmp_path / "no-seeds"), scenario, polled=False)

    async def no_roots(c: httpx.AsyncClient, app: App) -> None:
        status, text = await add(c, f"{tree}/root/inbox")
        assert status == 422 and "MONITOR_FOLDER_ROOTS" in text

    with_console(settings_for(tmp_path, seeds_dir=tmp_path / "no-seeds"), no_roots,
                 polled=False)
