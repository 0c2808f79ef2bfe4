"""The one service that adds, imports, exports and syncs sources (CLI, API, OPML, sources file).

Every path goes through ``place``: one kind check, one kind guess, one URL-policy check at
add time. Results are values (what was added, what was already there, what was skipped and
why); nothing here prints, and progress goes to the ``Progress`` the caller passes in.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.errors import ConfigError, SourceError
from monitor.reader.parsers.opml import ExportEntry, export_opml, parse_opml
from monitor.reader.urlpolicy import URLPolicy
from monitor.store import Store
from monitor.store.sources import SourceSpec
from monitor.store.tables import SourceRow
from monitor.subscriptions.declared import DeclaredSource
from monitor.subscriptions.files import read_sources
from monitor.subscriptions.placement import FolderAccess, Placement, place

log = logging.getLogger("monitor.subscriptions")

META_KEY = "declared_sources"  # the URLs the last sync declared (to disable dropped ones)


class Progress(Protocol):
    """Told the number of entries of an import, then each entry as it is done."""

    def start(self, total: int) -> None: ...

    def step(self, item: str, **fields: Any) -> None: ...


@dataclass(frozen=True)
class Added:
    """One source asked for: its row, whether it is new, and any warning."""

    source: SourceRow
    created: bool
    warning: str | None = None


@dataclass
class ImportReport:
    """What an import did with each entry of a list."""

    listed: int = 0
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (entry, why)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (entry, what to check)
    problems: list[str] = field(default_factory=list)  # about the document itself


@dataclass(frozen=True)
class SyncReport:
    added: int = 0
    updated: int = 0
    disabled: int = 0


@dataclass(frozen=True)
class Exported:
    data: bytes  # an OPML 2.0 document
    written: int  # URL sources listed in it
    folders: int  # folder sources left out (OPML lists URLs only)


class _Entry(NamedTuple):
    location: str
    kind: str | None
    interval: int
    labels: tuple[str, ...]
    enabled: bool = True
    title: str | None = None


class Subscriptions:
    """Sources management over one store, one URL policy and one clock."""

    def __init__(self, store: Store, policy: URLPolicy, clock: Clock = utcnow, *,
                 default_interval: int = 900, folders: FolderAccess | None = None) -> None:
        """``folders``: where this caller may place folder sources (default: nowhere; the
        CLI and the declared sources pass ``FolderAccess(trusted=True)``)."""
        self.store, self.policy, self.clock = store, policy, clock
        self.default_interval = default_interval
        self.folders = folders or FolderAccess()

    @classmethod
    def for_requests(cls, store: Store, settings: Settings, clock: Clock) -> Subscriptions:
        """Sources managed for whoever reaches the API or the console: the settings' URL
        policy, and folder sources (which make their files readable) only under the roots."""
        return cls(store, URLPolicy.from_setting(settings.allow_private_networks), clock,
                   default_interval=settings.default_interval_seconds,
                   folders=FolderAccess.under(settings.folder_roots))

    def place(self, location: str, kind: str | None = None) -> Placement:
        return place(location, kind, self.policy, self.folders)

    def _interval(self, interval: int | None) -> int:
        if interval is None:
            return self.default_interval
        if interval < 1:
            raise ConfigError("interval", f"must be a positive number of seconds, got {interval}")
        return interval

    def add(self, url: str, kind: str | None = None, interval: int | None = None,
            labels: Iterable[str] = (), enabled: bool = True) -> Added:
        """Add one source (or find it already there); SourceError says why it cannot be."""
        spot = self.place(url, kind)
        spec = SourceSpec(spot.location, spot.kind, self._interval(interval), tuple(labels),
                          enabled, spot.auto)
        row, created = self.store.create_source(spec, self.clock())
        return Added(row, created, spot.warning)

    def import_opml(self, data: bytes, *, interval: int | None = None,
                    labels: Sequence[str] = (), progress: Progress | None = None
                    ) -> ImportReport:
        """Add every subscription of an OPML list; ParseError when it is not one."""
        parsed = parse_opml(data)
        every = self._interval(interval)
        # Lists call pages and sitemaps feeds too: a plain feed entry is read at its first poll.
        entries = [_Entry(e.url, None if e.kind == "feed" else e.kind, every,
                          (*e.labels, *labels), title=e.title) for e in parsed.entries]
        report = self._import(entries, progress)
        report.skipped[:0] = parsed.skipped
        report.listed += len(parsed.skipped)
        report.problems = list(parsed.problems)
        return report

    def import_file(self, path: Path, *, interval: int | None = None,
                    labels: Sequence[str] = (), progress: Progress | None = None
                    ) -> ImportReport:
        """Add the sources of a YAML/TOML sources file (left alone by later syncs)."""
        declared = read_sources(path, self._interval(interval))
        return self._import([_Entry(d.url, d.kind, d.interval, (*d.labels, *labels),
                                    d.enabled) for d in declared], progress)

    def _import(self, entries: Sequence[_Entry], progress: Progress | None) -> ImportReport:
        report = ImportReport(listed=len(entries))
        known = self.store.source_urls()
        if progress is not None:
            progress.start(len(entries))
        for e in entries:
            new = False
            try:
                if e.location.strip() in known:
                    report.present.append(e.location.strip())
                else:
                    spot = self.place(e.location, e.kind)
                    if spot.warning:
                        report.warnings.append((e.location, spot.warning))
                    row, new = self.store.create_source(SourceSpec(
                        spot.location, spot.kind, e.interval, tuple(dict.fromkeys(e.labels)),
                        e.enabled, spot.auto), self.clock(), title=e.title)
                    (report.added if new else report.present).append(row.url)
                    known.add(row.url)
            except SourceError as exc:
                report.skipped.append((e.location, str(exc)))
            if progress is not None:
                progress.step(e.location, added=new)
        return report

    def export_opml(self) -> Exported:
        """Every URL source as OPML 2.0 (folders cannot be listed in OPML)."""
        infos = self.store.list_sources()
        entries = [ExportEntry(i.source.url, i.source.kind, i.source.title,
                               [x for x in i.source.labels.split(",") if x])
                   for i in infos if i.source.kind != "folder"]
        return Exported(export_opml(entries, now=self.clock()), len(entries),
                        len(infos) - len(entries))

    def sync(self, declared: Sequence[DeclaredSource]) -> SyncReport:
        """Make the database hold the declared sources; ConfigError (nothing applied) when
        one cannot be added. Sources never declared are left alone."""
        before = set(json.loads(self.store.get_meta(META_KEY) or "[]"))
        known = self.store.source_urls()
        specs = []
        for d in declared:
            if d.url in known:  # placed when it was added; a sync keeps a detected kind
                specs.append(SourceSpec(d.url, d.kind or "feed", d.interval, d.labels,
                                        d.enabled, kind_auto=d.kind is None))
                continue
            try:
                spot = self.place(d.url, d.kind)
            except SourceError as exc:
                raise ConfigError(d.where or "declared sources", str(exc)) from None
            specs.append(SourceSpec(spot.location, spot.kind, d.interval, d.labels,
                                    d.enabled, spot.auto))
        wanted = {s.url for s in specs}
        added, updated, disabled = self.store.sync_sources(specs, before - wanted, self.clock())
        self.store.set_meta(META_KEY, json.dumps(sorted(wanted)))
        log.info("sources.synced", extra={"added": added, "updated": updated,
                                          "disabled": disabled})
        return SyncReport(added, updated, disabled)
