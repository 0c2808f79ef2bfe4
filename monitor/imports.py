"""``monitor sources import FILE``: add many sources at once from a sources file or an OPML list.

A ``.yaml``/``.yml``/``.toml`` file uses the sources-file format (``url``, ``kind``,
``interval``, ``labels``, ``enabled``); an ``.opml``/``.xml`` file is a feed reader's
subscription list (its folders become labels). Sources already in the database are left as
they are. Progress is a bar at a terminal, log lines otherwise.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from monitor.clock import utcnow
from monitor.config import Settings
from monitor.errors import ConfigError, SourceError
from monitor.progress import Progress
from monitor.sourcesync import DeclaredSource, parse_declared
from monitor.store import Store


def _opml(path: Path, interval: int) -> list[DeclaredSource]:
    import listparser

    result = listparser.parse(path.read_bytes())
    if result.bozo and not result.feeds:
        raise SourceError(f"{path}: not a readable OPML file: {result.bozo_exception}")
    out = []
    for feed in result.feeds:
        url = str(feed.get("url") or "")
        if not url.startswith(("http://", "https://")):
            continue
        labels = tuple(str(t).replace(",", " ") for t in feed.get("tags") or [] if t)
        out.append(DeclaredSource(url, "feed", interval, labels))
    return out


def read_sources(path: Path, interval: int) -> list[DeclaredSource]:
    """The sources a file lists; ConfigError/SourceError name the file and the entry."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    if suffix in (".opml", ".xml"):
        return _opml(path, interval)
    text = path.read_text(encoding="utf-8")
    data: Any
    try:
        if suffix == ".toml":
            data = tomllib.loads(text).get("sources")
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise SourceError(f"{path}: unsupported file type (known: .yaml, .yml, .toml, "
                              ".opml, .xml)")
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
