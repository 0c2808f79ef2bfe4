"""The subscriptions service itself: typed results, progress, syncs that keep detected kinds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.app import url_policy
from monitor.config import Settings
from monitor.reader.parsers.opml import parse_opml
from monitor.store import Store
from monitor.store.tables import SourceRow
from monitor.subscriptions import DeclaredSource, FolderAccess, Subscriptions

pytestmark = pytest.mark.backends  # SQLite and PostgreSQL


@pytest.fixture
def service(settings: Settings) -> Iterator[Subscriptions]:
    store = Store.open(settings.database_url)
    try:
        yield Subscriptions(store, url_policy(settings), default_interval=300,
                            folders=FolderAccess(trusted=True))
    finally:
        store.close()


class Steps:
    def __init__(self) -> None:
        self.total = -1
        self.steps: list[tuple[str, dict[str, Any]]] = []

    def start(self, total: int) -> None:
        self.total = total

    def step(self, item: str, **fields: Any) -> None:
        self.steps.append((item, fields))


def test_a_file_import_reports_added_present_and_refused_with_progress(
        service: Subscriptions, tmp_path: Path) -> None:
    listing = tmp_path / "sources.yaml"
    listing.write_text("- url: http://127.0.0.1/a.rss\n- url: http://10.9.9.9/b.rss\n"
                       "- url: http://127.0.0.1/c.rss\n  enabled: false\n", "utf-8")
    service.add("http://127.0.0.1/c.rss")
    steps = Steps()
    report = service.import_file(listing, labels=["eu"], progress=steps)
    assert (report.listed, report.added, report.present) == (
        3, ["http://127.0.0.1/a.rss"], ["http://127.0.0.1/c.rss"])
    [(url, why)] = report.skipped
    assert url == "http://10.9.9.9/b.rss" and "non-public address" in why
    assert steps.total == 3 and [f["added"] for _i, f in steps.steps] == [True, False, False]
    rows = {i.source.url: i.source for i in service.store.list_sources()}
    assert (rows["http://127.0.0.1/a.rss"].labels, rows["http://127.0.0.1/a.rss"].kind_auto) == (
        "eu", True)
    assert rows["http://127.0.0.1/c.rss"].enabled  # already there: left as it was


def test_a_sync_keeps_the_kind_the_first_poll_read(service: Subscriptions) -> None:
    url = "http://127.0.0.1/home"
    assert service.sync([DeclaredSource(url, None, 60)]).added == 1
    [info] = service.store.list_sources()
    assert (info.source.kind, info.source.kind_auto) == ("feed", True)
    with service.store.session() as s:  # what a first poll that found a page writes
        row = s.get(SourceRow, info.source.id)
        assert row is not None
        row.kind, row.kind_auto = "page", False
    report = service.sync([DeclaredSource(url, None, 120)])
    assert (report.added, report.updated) == (0, 1)
    [info] = service.store.list_sources()
    assert (info.source.kind, info.source.interval_seconds) == ("page", 120)
    service.sync([DeclaredSource(url, "sitemap", 120)])  # declared explicitly: it wins
    assert service.store.list_sources()[0].source.kind == "sitemap"
    assert service.sync([]).disabled == 1


def test_a_name_that_does_not_resolve_is_added_with_a_warning(service: Subscriptions) -> None:
    added = service.add("http://no-such-host.invalid/feed.xml")
    assert added.created and added.warning and "cannot resolve" in added.warning
    again = service.add("http://no-such-host.invalid/feed.xml")
    assert not again.created and again.source.id == added.source.id


def test_export_lists_urls_and_counts_the_folders_left_out(service: Subscriptions,
                                                           tmp_path: Path) -> None:
    service.add(str(tmp_path))
    service.add("http://127.0.0.1/s.xml", kind="sitemap", labels=["a"])
    exported = service.export_opml()
    assert (exported.written, exported.folders) == (1, 1)
    [entry] = parse_opml(exported.data).entries
    assert (entry.url, entry.kind, entry.labels) == ("http://127.0.0.1/s.xml", "sitemap", ("a",))
