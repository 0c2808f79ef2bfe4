"""Folder sources: text, Markdown, HTML and feed files in one directory.

Only what is really inside the directory is read: a symbolic link that leads out of it (to
``/etc/passwd``, say) is skipped and reported, never followed; a file over the size cap is
skipped too.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import ParseError, SourceError
from monitor.models import RawItem
from monitor.reader.fetcher import Validators
from monitor.reader.parsers.base import PollResult
from monitor.reader.parsers.feed import parse_feed
from monitor.rules.located import safe_load, yaml_location

TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
MAX_FILE_BYTES = 10 * 1024 * 1024  # as the default largest document fetched


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A leading ``---`` YAML block (as static-site generators use) and the text after it.

    Raises ParseError, naming the line, when the block is not a YAML mapping (or uses
    aliases): read as body text, its fields would be silently lost.
    """
    if not text.startswith("---"):
        return {}, text
    first, _, rest = text.partition("\n")
    if first.strip() != "---":
        return {}, text
    head, sep, body = rest.partition("\n---")
    if not sep:
        return {}, text
    try:
        meta = safe_load(head)
    except yaml.YAMLError as exc:
        line, column, reason = yaml_location(exc)
        # Line 1 of the file is the opening ``---``.
        raise ParseError(f"line {line + 1}, column {column}: invalid front matter: "
                         f"{reason}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ParseError("line 2: invalid front matter: expected 'key: value' lines")
    return meta, body.partition("\n")[2]


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> list[RawItem]:
    """The items of one file; raises SourceError when it cannot be read or parsed."""
    try:
        # No following a link swapped in since the listing checked where the path leads.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(data) > limit:
        raise SourceError(f"{path}: larger than {limit} bytes; skipped")
    suffix = path.suffix.lower()
    guid = path.name
    if suffix in FEED_SUFFIXES:
        try:
            _title, items = parse_feed(data)
        except ParseError as exc:
            raise SourceError(f"{path}: {exc}") from exc
        return items
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    # A file without a date of its own is dated by its modification time: a file written
    # into the folder after it was added is new, one that lay there long before is backlog.
    modified = _modified(path)
    if suffix in HTML_SUFFIXES:
        return [RawItem(title="", content=text, content_type="text/html", guid=guid,
                        published=modified)]
    try:
        meta, body = split_front_matter(text)
    except ParseError as exc:
        raise SourceError(f"{path}: {exc}") from exc
    return [RawItem(
        title=str(meta.get("title") or ""), content=body,
        url=str(meta["url"]) if meta.get("url") else None,
        guid=str(meta.get("guid") or guid), published=_when(meta.get("published")) or modified,
        author=str(meta["author"]) if meta.get("author") else None,
        language=str(meta["language"]) if meta.get("language") else None,
    )]


class FolderSource:
    """Every readable file directly inside one directory."""

    kind = "folder"

    def __init__(self, path: str, max_files: int | None = None) -> None:
        self.location = path
        self.max_files = max_files  # read the newest ones only (MONITOR_MAX_ITEMS_PER_POLL)

    def _files(self) -> tuple[list[Path], list[str]]:
        """The files to read, and what was skipped because it leads out of the folder."""
        root = Path(self.location)
        if not root.is_dir():
            raise SourceError(f"{root}: not a directory")
        inside = root.resolve()
        files: list[Path] = []
        outside: list[str] = []
        for p in sorted(root.iterdir()):
            if p.name.startswith("."):
                continue
            try:
                real = p.resolve()
            except (OSError, RuntimeError):  # a loop of links
                outside.append(f"{p}: a symbolic link that leads nowhere; not followed")
                continue
            if not real.is_relative_to(inside):
                outside.append(f"{p}: a symbolic link out of the folder; not followed")
            elif p.suffix.lower() in SUFFIXES and real.is_file():
                files.append(real if p.is_symlink() else p)
        return files, outside

    async def poll(self, previous: Validators) -> PollResult:
        # Listing, hashing and parsing files is blocking I/O and CPU: off the event loop.
        return await asyncio.to_thread(self._read, previous)

    def _read(self, previous: Validators) -> PollResult:
        files, outside = self._files()
        listing = hashlib.sha256()
        modified: dict[Path, int] = {}
        for p in files:
            st = p.stat()
            modified[p] = st.st_mtime_ns
            listing.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        for problem in outside:  # a new link out is reported at the next poll
            listing.update(f"{problem}\n".encode())
        digest = listing.hexdigest()
        validators = Validators(body_hash=digest)
        if previous.body_hash == digest:
            return PollResult(not_modified=True, validators=validators)
        items: list[RawItem] = []
        problems: list[str] = list(outside)
        if self.max_files is not None and len(files) > self.max_files:
            # Each file may be megabytes: the cap applies before reading, not after.
            problems.append(f"{len(files)} files: read the newest {self.max_files} "
                            "(MONITOR_MAX_ITEMS_PER_POLL)")
            files = sorted(files, key=modified.__getitem__, reverse=True)[:self.max_files]
        for path in files:
            try:
                for item in read_file(path):
                    # A feed file's entries keep their own GUIDs; plain files are named by path.
                    items.append(item if item.guid else replace(item, guid=path.name))
            except SourceError as exc:
                problems.append(str(exc))
        return PollResult(items, validators=validators, problems=problems)

