"""Source management behind ``monitor sources add|import|export``: kind detection, OPML."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from monitor.app import url_policy
from monitor.cli.progress import Progress
from monitor.clock import utcnow
from monitor.config import Settings
from monitor.errors import ConfigError, SourceError
from monitor.reader.parsers import KINDS, guess_kind
from monitor.reader.parsers.opml import ExportEntry, export_opml, parse_opml
from monitor.store import Store


@dataclass(frozen=True)
class Placement:
    """Where and what a new source is."""

    kind: str
    location: str
    auto: bool = False  # the kind is read from the content at the first good poll


def place(location: str, kind: str | None, settings: Settings) -> Placement:
    """The kind and stored location of a new source. Without ``kind``, a URL is taken for a
    feed until its first good poll reads the kind (feed, page or sitemap) from the content."""
    if kind is not None and kind not in KINDS:
        raise ConfigError("--kind", f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    guessed = guess_kind(location)
    if guessed == "folder":
        if kind not in (None, "folder"):
            raise ConfigError("--kind", f"{location} is a directory, not a {kind}")
        return Placement("folder", str(Path(location).resolve()))
    if kind == "folder":
        raise ConfigError("--kind", f"{location} is a URL, not a directory")
    url_policy(settings).check_sync(location)  # refused addresses fail now, not at every poll
    if kind is not None:
        return Placement(kind, location)
    return Placement("feed", location, auto=True)


def add(store: Store, settings: Settings, location: str, *, kind: str | None,
        interval: int, labels: list[str], out: TextIO) -> int:
    placement = place(location, kind, settings)
    before = store.count_sources()
    row = store.add_source(placement.kind, placement.location, interval=interval, now=utcnow(),
                           labels=labels)
    if placement.auto and row.id is not None and store.count_sources() > before:
        store.set_kind_auto(row.id)
    print(f"source {row.id}: {row.kind} {row.url} every {row.interval_seconds}s"
          + (f" labels {row.labels}" if row.labels else ""), file=out)
    return 0


def import_opml(store: Store, settings: Settings, path: str, *, interval: int,
                labels: list[str], out: TextIO) -> int:
    """Add every subscription of an OPML file; report what was skipped and why."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from None
    parsed = parse_opml(data)
    policy = url_policy(settings)
    existing = {i.source.url for i in store.list_sources()}
    added = known = 0
    skipped = list(parsed.skipped)
    with Progress(sys.stderr, "importing") as progress:
        progress.start(len(parsed.entries))
        for entry in parsed.entries:
            progress.step(entry.url)
            if entry.url in existing:
                known += 1
                continue
            try:
                policy.check_sync(entry.url)
            except SourceError as exc:
                if "cannot resolve" not in str(exc):  # unresolvable now may resolve later
                    skipped.append((entry.url, str(exc)))
                    continue
            row = store.add_source(entry.kind, entry.url, interval=interval, now=utcnow(),
                                   labels=[*entry.labels, *labels], title=entry.title)
            if entry.kind == "feed" and row.id is not None:
                store.set_kind_auto(row.id)  # lists call pages and sitemaps feeds too
            added += 1
    for problem in parsed.problems:
        print(f"{path}: {problem}", file=out)
    for what, why in skipped:
        print(f"skipped {what}: {why}", file=out)
    print(f"{path}: {added} sources added, {known} already present, {len(skipped)} skipped",
          file=out)
    return 0


def export(store: Store, path: str | None, out: TextIO) -> int:
    """Write every URL source as OPML 2.0 (to ``path``, or to standard output)."""
    entries = [ExportEntry(i.source.url, i.source.kind, i.source.title,
                           [x for x in i.source.labels.split(",") if x])
               for i in store.list_sources() if i.source.kind != "folder"]
    folders = sum(i.source.kind == "folder" for i in store.list_sources())
    data = export_opml(entries, now=utcnow())
    if path and path != "-":
        Path(path).write_bytes(data)
        print(f"{path}: {len(entries)} sources written", file=sys.stderr)
    else:
        out.write(data.decode("utf-8"))
        out.flush()
    if folders:
        print(f"monitor: {folders} folder sources left out (OPML lists URLs only)",
              file=sys.stderr)
    return 0
