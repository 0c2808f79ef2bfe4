"""One way to add sources: the same inputs through the CLI, the API, an OPML import and a
sources-file sync give the same outcome, the same refusal message and the same record."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import httpx
import pytest

from monitor.app import App, url_policy
from monitor.cli.main import main
from monitor.config import Settings
from monitor.errors import ConfigError
from monitor.store import Store
from monitor.subscriptions import FolderAccess, Subscriptions, declared_sources, source_dict
from tests.apiclient import TOKEN, with_api

LOOPBACK = "http://127.0.0.1:8080"  # allowed by the tests' allow-list (127.0.0.1/32)
PRIVATE = "http://10.1.2.3/feed.xml"  # a private range the allow-list does not name
STABLE = ("url", "kind", "kind_auto", "enabled", "interval", "labels", "title", "articles",
          "last_poll", "last_status")
RECORD_KEYS = {"id", "url", "kind", "kind_auto", "title", "enabled", "interval", "labels",
               "last_poll", "next_poll", "last_status", "last_error", "consecutive_failures",
               "unhealthy", "failing_since", "disabled_reason", "articles"}


@dataclass(frozen=True)
class Case:
    name: str
    location: str  # ``{folder}`` stands for an existing directory
    kind: str | None
    added: tuple[str, bool] | None  # (kind, kind_auto) when added, None when refused
    reason: str = ""  # what a refusal says, the same on every path


CASES = [
    Case("loopback feed", f"{LOOPBACK}/feed.xml", None, ("feed", True)),
    Case("private address", PRIVATE, None, None,
         f"{PRIVATE!r}: 10.1.2.3 resolves to 10.1.2.3, a non-public address; allow it with "
         "MONITOR_ALLOW_PRIVATE_NETWORKS"),
    Case("folder", "{folder}", None, ("folder", False)),
    Case("explicit kind", f"{LOOPBACK}/news-sitemap.xml", "sitemap", ("sitemap", False)),
    Case("bad kind", f"{LOOPBACK}/x.xml", "gopher", None,
         "unknown kind 'gopher' (known: folder, feed, page, sitemap)"),
]
# OPML lists URLs only: a folder path in a list is never a source (a downloaded list must not
# make the daemon read local directories).
OPML_FOLDER = "not an http(s) URL"


@dataclass(frozen=True)
class Outcome:
    record: dict[str, Any] | None = None
    refusal: str = ""


Path_ = Callable[[Settings, str, str | None, Path], Outcome]


def _store_record(settings: Settings, location: str) -> dict[str, Any]:
    store = Store.open(settings.database_url)
    try:
        [info] = [i for i in store.list_sources() if i.source.url == location]
        return source_dict(info)
    finally:
        store.close()


def via_cli(settings: Settings, location: str, kind: str | None, tmp: Path,
            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Outcome:
    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp)
    monkeypatch.setenv("MONITOR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MONITOR_ALLOW_PRIVATE_NETWORKS", settings.allow_private_networks or "")
    monkeypatch.setenv("MONITOR_SEEDS_DIR", str(settings.seeds_dir))
    capsys.readouterr()
    args = ["sources", "add", location, "--interval", "600", "--label", "world"]
    status = main([*args, *(["--kind", kind] if kind else [])])
    out = capsys.readouterr()
    if status != 0:
        assert status == 2 and out.err.startswith("monitor: "), out
        return Outcome(refusal=out.err)
    assert main(["sources", "list", "--json"]) == 0
    [record] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    return Outcome(record)


def via_api(settings: Settings, location: str, kind: str | None, tmp: Path) -> Outcome:
    async def scenario(client: httpx.AsyncClient, app: App) -> Outcome:
        body = {"url": location, "interval": 600, "labels": ["world"],
                **({"kind": kind} if kind else {})}
        r = await client.post("/api/v1/sources", json=body)
        if r.status_code != 201:
            assert r.status_code == 422, r.text
            return Outcome(refusal=r.json()["error"]["message"])
        again = await client.get(f"/api/v1/sources/{r.json()['id']}")
        assert again.json() == r.json()
        repeat = await client.post("/api/v1/sources", json=body)
        assert (repeat.status_code, repeat.json()) == (200, r.json())
        return Outcome(r.json())

    # The API reaches folders only under the configured roots.
    return with_api(replace(settings, api_token=TOKEN, folder_roots=(tmp.resolve(),)), scenario)


def via_opml(settings: Settings, location: str, kind: str | None, tmp: Path) -> Outcome:
    kind_attr = f" monitorKind={quoteattr(kind)}" if kind else ""
    data = (f'<?xml version="1.0"?><opml version="2.0"><body><outline text="x" type="rss" '
            f'category="/world" xmlUrl={quoteattr(location)}{kind_attr}/></body></opml>')
    store = Store.open(settings.database_url)
    try:
        report = Subscriptions(store, url_policy(settings)).import_opml(data.encode(),
                                                                        interval=600)
    finally:
        store.close()
    if report.skipped:
        # (the parser's raw-tag scan may report a line it skipped a second time)
        [why] = {why for what, why in report.skipped if what == location}
        assert not report.added
        return Outcome(refusal=why)
    assert report.added and not report.present
    return Outcome(_store_record(settings, report.added[0]))


def via_sync(settings: Settings, location: str, kind: str | None, tmp: Path) -> Outcome:
    sources = tmp / "sources.yaml"
    entry = {"url": location, "interval": 600, "labels": ["world"], **({"kind": kind} if kind
                                                                      else {})}
    sources.write_text(json.dumps([entry]), "utf-8")  # JSON is YAML
    store = Store.open(settings.database_url)
    try:
        declared = declared_sources(replace(settings, sources_file=sources))
        assert declared is not None
        # The declared files are trusted like the command line (as the daemon syncs them).
        report = Subscriptions(store, url_policy(settings),
                               folders=FolderAccess(trusted=True)).sync(declared)
    except ConfigError as exc:
        assert store.source_urls() == set()  # nothing applied
        return Outcome(refusal=str(exc))
    finally:
        store.close()
    assert report.added == 1
    return Outcome(_store_record(settings, declared[0].url))


@pytest.fixture
def bare(settings: Settings, tmp_path: Path) -> Settings:
    return replace(settings, seeds_dir=tmp_path / "no-seeds")  # no default source


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("path", ["cli", "api", "opml", "sync"])
def test_the_same_input_gives_the_same_outcome_on_every_path(
        path: str, case: Case, bare: Settings, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    location = case.location.format(folder=folder)
    if path == "cli":
        got = via_cli(bare, location, case.kind, tmp_path, capsys, monkeypatch)
    else:
        got = {"api": via_api, "opml": via_opml, "sync": via_sync}[path](
            bare, location, case.kind, tmp_path)
    if path == "opml" and case.location == "{folder}":
        assert got.record is None and OPML_FOLDER in got.refusal
        return
    if case.added is None:
        assert got.record is None and case.reason in got.refusal, got.refusal
        return
    assert got.record is not None, got.refusal
    assert set(got.record) == RECORD_KEYS  # one shape for the CLI, the API and the store
    kind, auto = case.added
    want = {"url": str(folder.resolve()) if kind == "folder" else location, "kind": kind,
            "kind_auto": auto, "enabled": True, "interval": 600, "labels": ["world"],
            "title": got.record["title"] if path == "opml" else None, "articles": 0,
            "last_poll": None, "last_status": None}
    assert {k: got.record[k] for k in STABLE} == want
    assert got.record["next_poll"].endswith("Z")
