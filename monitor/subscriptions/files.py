"""Sources files given to ``monitor sources import FILE.yaml|.toml``: reading them.

The file uses the sources-file format (``url``, ``kind``, ``interval``, ``labels``,
``enabled``); OPML subscription lists are read by ``monitor.reader.parsers.opml``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ConfigError, SourceError
from monitor.rules.located import safe_load, yaml_location
from monitor.subscriptions.declared import DeclaredSource, parse_declared

SOURCES_FILES = (".yaml", ".yml", ".toml")


def is_sources_file(path: str) -> bool:
    """True for a YAML/TOML sources file; anything else is read as an OPML list."""
    return Path(path).suffix.lower() in SOURCES_FILES


def read_sources(path: Path, interval: int) -> list[DeclaredSource]:
    """The sources a file lists; ConfigError/SourceError name the file and the entry."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None
    data: Any
    try:
        if suffix == ".toml":
            data = tomllib.loads(text).get("sources")
        elif suffix in (".yaml", ".yml"):
            data = safe_load(text)
        else:
            raise SourceError(f"{path}: unsupported file type (known: .yaml, .yml, .toml; "
                              "other files are read as OPML)")
    except yaml.YAMLError as exc:
        line, column, reason = yaml_location(exc)
        raise ConfigError(f"{path}:{line}:{column}", f"cannot parse: {reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"cannot parse: {exc}") from None
    return parse_declared(data, str(path), path.parent, interval)
