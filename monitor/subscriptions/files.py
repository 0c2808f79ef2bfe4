"""``monitor sources import FILE.yaml|.toml``: add many sources at once from a sources file.

The file uses the sources-file format (``url``, ``kind``, ``interval``, ``labels``,
``enabled``); OPML subscription lists are read by ``monitor.reader.parsers.opml``.
Sources already in the database are left as they are. Progress is a bar at a terminal, log
lines otherwise.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from monitor.cli.progress import Progress
from monitor.clock import utcnow
from monitor.config import Settings
from monitor.errors import ConfigError, SourceError
from monitor.store import Store
from monitor.subscriptions.declared import DeclaredSource, parse_declared


def read_sources(path: Path, interval: int) -> list[DeclaredSource]:
    """The sources a file lists; ConfigError/SourceError name the file and the entry."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8")
    data: Any
    try:
        if suffix == ".toml":
            data = tomllib.loads(text).get("sources")
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise SourceError(f"{path}: unsupported file type (known: .yaml, .yml, .toml; "
                              "other files are read as OPML)")
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(str(path), f"cannot parse: {exc}") from None
    return parse_declared(data, str(path), path.parent, interval)


def import_sources(path: Path, settings: Settings) -> int:
    declared = read_sources(path, settings.default_interval_seconds)
    store = Store.open(settings.database_url)
    added = 0
    try:
        before = {i.source.url for i in store.list_sources()}
        with Progress(sys.stderr, "importing") as progress:
            progress.start(len(declared))
            for d in declared:
                row = store.add_source(d.kind, d.url, interval=d.interval, now=utcnow(),
                                       labels=d.labels)
                new = d.url not in before
                if new and not d.enabled:
                    from monitor.store.ops import set_enabled

                    assert row.id is not None
                    set_enabled(store, row.id, False, utcnow())
                added += new
                progress.step(d.url, added=new)
    finally:
        store.close()
    print(f"{path}: {len(declared)} sources, {added} added, {len(declared) - added} "
          "already present")
    return 0
