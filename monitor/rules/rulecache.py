"""The on-disk cache of parsed rule and concept files: a rules directory of 10,000 files is
read again in well under a second, re-parsing only the files whose content changed.

Two JSON files per rules directory, one for its rule files and one for its concepts, in the
cache directory (``MONITOR_RULES_CACHE``; by default ``$XDG_CACHE_HOME/monitor/rules``, else
``~/.cache/monitor/rules``). An entry is found by the file's name and the SHA-256 of its bytes;
the whole cache also depends on the code that parses rules (its source files' digest), and the
rules' on the set of concept names (a rule naming an unknown concept is a problem). Each
entry carries a checksum of its own text: an entry that does not check, does not decode, or
belongs to other code is ignored and rebuilt. The cache is JSON, never pickle, and is used
only from a directory owned by this user and writable by no one else; it is written
atomically (a temporary file renamed over the old one).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from monitor.errors import RuleProblem
from monitor.rules.concepts import Outcome
from monitor.rules.files import Rule
from monitor.rules.serial import (
    decode_concept,
    decode_problems,
    decode_rule,
    encode_concept,
    encode_problems,
    encode_rule,
)

FORMAT = 1
STALE_DAYS = 30  # caches of directories not loaded for this long are deleted on the next write
_PARSERS = ("files.py", "breakingspec.py", "serial.py", "syntax.py", "query.py", "located.py",
            "lint.py", "concepts.py", "rulecache.py")
log = logging.getLogger("monitor.rules.cache")
Entry = tuple[list[Rule], list[RuleProblem], list[RuleProblem]]  # rules, problems, warnings


def cache_dir(setting: str) -> Path | None:
    """The directory that ``MONITOR_RULES_CACHE`` names: ``off`` (none), ``auto`` or a path."""
    value = setting.strip()
    if value.lower() in ("off", "none", "false", "0", ""):
        return None
    if value.lower() != "auto":
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    if not os.path.isabs(base):  # no home directory (a bare container user): no cache
        return None
    return Path(base) / "monitor" / "rules"


def _code_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256(str(FORMAT).encode())
    for name in _PARSERS:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _private(path: Path) -> bool:
    """Whether ``path`` is this user's and nobody else may write it."""
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _open(where: Path | None, name: str,
          header: dict[str, str]) -> tuple[Path | None, dict[str, Any]]:
    """The cache file ``name`` in ``where`` and its entries (none when it is new, unusable, or
    made by other code)."""
    if where is None:
        return None, {}
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(where):
            log.warning("rules.cache.unsafe", extra={
                "path": str(where), "reason": "not owned by this user, or writable by others"})
            return None, {}
        path = where / name
        data = json.loads(path.read_bytes()) if path.exists() and _private(path) else {}
    except (OSError, ValueError) as exc:  # unreadable or corrupt: rebuilt from the files
        log.debug("rules.cache.unreadable", extra={"path": str(where), "error": str(exc)})
        return None if isinstance(exc, OSError) else where / name, {}
    if not isinstance(data, dict):
        data = {}
    entries = data.get("entries")
    if data.get("header") != header or not isinstance(entries, dict):
        entries = {}  # other code (or, for rules, other concepts): every entry is stale
    return path, entries


class _JsonCache:
    """Entries found by a file's name and the SHA-256 of its bytes, each a checked JSON text."""

    def __init__(self, path: Path | None, header: dict[str, str],
                 entries: dict[str, Any]) -> None:
        self.path, self.header = path, header
        self._old = entries
        self._new: dict[str, list[str]] = {}
        self.hits = self.misses = 0

    @classmethod
    def _opened(cls, where: Path | None, file: str, header: dict[str, str]) -> Any:
        """The cache kept in ``file`` of ``where`` (None: a cache that keeps nothing)."""
        if where is None:
            return cls(None, header, {})
        path, entries = _open(where, file, header)
        return cls(path, header, entries)

    def _lookup(self, name: str, content: bytes, file: str, decode: Any) -> Any:
        """``decode(data)`` of the entry of file ``name`` with this ``content``, or None."""
        sha = hashlib.sha256(content).hexdigest()
        got = self._old.get(name)
        try:
            if not isinstance(got, list) or len(got) != 3 or got[0] != sha:
                raise LookupError
            text = got[2]
            if hashlib.sha256(text.encode()).hexdigest() != got[1]:
                raise ValueError("checksum")
            decoded = decode(json.loads(text))
        except LookupError:
            self.misses += 1
            return None
        except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            log.debug("rules.cache.bad_entry", extra={"file": file, "error": str(exc)})
            self.misses += 1
            return None
        self.hits += 1
        self._new[name] = got
        return decoded

    def _keep(self, name: str, content: bytes, data: Any) -> None:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        self._new[name] = [hashlib.sha256(content).hexdigest(),
                           hashlib.sha256(text.encode()).hexdigest(), text]

    def save(self) -> None:
        """Write the entries of this load back, if anything changed (atomically)."""
        if self.path is None:
            return
        if self.misses == 0 and self._new.keys() == self._old.keys():
            with contextlib.suppress(OSError):  # in use: no other directory's write deletes it
                os.utime(self.path)
            return
        body = json.dumps({"header": self.header, "entries": self._new},
                          ensure_ascii=False, separators=(",", ":")).encode()
        temporary: str | None = None
        try:
            with tempfile.NamedTemporaryFile(dir=self.path.parent, prefix=".tmp-",
                                             delete=False) as tmp:
                temporary = tmp.name
                tmp.write(body)
            os.replace(temporary, self.path)
        except OSError as exc:  # a full or read-only disk: the rules load all the same
            log.warning("rules.cache.write_failed", extra={"path": str(self.path),
                                                           "error": str(exc)})
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            return
        _forget_stale(self.path.parent, keep=self.path)


def _name(directory: Path, kind: str) -> str:
    return hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:24] + kind + ".json"


class RuleCache(_JsonCache):
    """The cached rule files of one rules directory, and the ones to write back."""

    @classmethod
    def open(cls, where: Path | None, directory: Path, concepts: Iterable[str]) -> RuleCache:
        """The cache of ``directory`` in ``where`` (None: a cache that keeps nothing)."""
        header = {"format": str(FORMAT), "code": _code_digest(),
                  "concepts": hashlib.sha256("\n".join(sorted(concepts)).encode()).hexdigest()}
        opened: RuleCache = cls._opened(where, _name(directory, ""), header)
        return opened

    def get(self, name: str, content: bytes, file: str) -> Entry | None:
        """The parsed rules, problems and warnings of file ``name`` with this ``content``."""
        def decode(data: Any) -> Entry:
            return ([decode_rule(r, file) for r in data["rules"]],
                    decode_problems(data["problems"], file),
                    decode_problems(data["warnings"], file))

        entry: Entry | None = self._lookup(name, content, file, decode)
        return entry

    def put(self, name: str, content: bytes, entry: Entry) -> None:
        rules, problems, warnings = entry
        self._keep(name, content, {"rules": [encode_rule(r) for r in rules],
                                   "problems": encode_problems(problems),
                                   "warnings": encode_problems(warnings)})


class ConceptCache(_JsonCache):
    """The parsed concept files of one rules directory: a file of their own, as rule entries
    depend on the set of concept names and these on nothing but their bytes (and the code)."""

    @classmethod
    def open(cls, where: Path | None, directory: Path) -> ConceptCache:
        opened: ConceptCache = cls._opened(where, _name(directory, "-concepts"),
                                           {"format": str(FORMAT), "code": _code_digest()})
        return opened

    def get_concept(self, name: str, content: bytes, file: str) -> Outcome | None:
        def decode(data: Any) -> Outcome:
            return (decode_concept(data["concept"], file),
                    tuple(decode_problems(data["problems"], file)))

        outcome: Outcome | None = self._lookup(name, content, file, decode)
        return outcome

    def put_concept(self, name: str, content: bytes, outcome: Outcome) -> None:
        self._keep(name, content, {"concept": encode_concept(outcome[0]),
                                   "problems": encode_problems(list(outcome[1]))})

    def keep_concept(self, name: str, content: bytes, outcome: Outcome) -> None:
        # A reload in the same process finds the file in memory and never asks the cache:
        # its entry must stay, or the save would write the file back without it.
        old = self._old.get(name)
        if isinstance(old, list) and old and old[0] == hashlib.sha256(content).hexdigest():
            self._new[name] = old
        else:
            self.put_concept(name, content, outcome)


def _forget_stale(where: Path, keep: Path) -> None:
    cutoff = time.time() - STALE_DAYS * 86400
    for old in where.glob("*.json"):
        try:
            if old != keep and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
