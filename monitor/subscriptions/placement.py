"""What a new source is and where it lives: the one kind check, kind guess, URL-policy check
and folder-root check.

A directory is a folder source; a URL is checked against the URL policy now, so a refused
address is an error when the source is added rather than at every poll. A URL added without a
kind is taken for a feed until its first good poll reads the kind from the content.

A folder source makes the daemon read files and serve them through the API, so where one may
be depends on who asks (``FolderAccess``): the machine's user (the CLI, the sources file) may
name any directory; the API (and the console) only directories under ``MONITOR_FOLDER_ROOTS``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.errors import SourceError, URLPolicyError
from monitor.reader.parsers import KINDS, guess_kind
from monitor.reader.urlpolicy import URLPolicy


@dataclass(frozen=True)
class Placement:
    """The kind and stored location of a new source."""

    kind: str
    location: str
    auto: bool = False  # the kind is read from the content at the first good poll
    warning: str | None = None  # added, but something may need a look (a name not resolving)


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def other_scheme(location: str) -> str | None:
    """The scheme of a URL that is not http(s) (``ftp``, ``file``), else None."""
    m = _SCHEME.match(location.strip())
    return m.group(1) if m and m.group(1).lower() not in ("http", "https") else None


@dataclass(frozen=True)
class FolderAccess:
    """Where the caller may place folder sources: ``trusted`` (the machine's user) anywhere,
    with a warning outside ``cwd``; otherwise only under ``roots`` (none: nowhere)."""

    roots: tuple[Path, ...] = ()
    trusted: bool = False
    cwd: Path = field(default_factory=Path.cwd)

    @classmethod
    def under(cls, roots: Sequence[Path]) -> FolderAccess:
        return cls(tuple(Path(r).resolve() for r in roots))

    def check(self, location: str) -> tuple[Path, str | None]:
        """The resolved directory and a warning; SourceError when the caller may not read it.

        The path is resolved first (``..`` and symbolic links), so ``inbox/../../etc`` or a
        link out of a root is judged by where it really leads.
        """
        path = Path(location).expanduser().resolve()
        if self.trusted:
            if not path.is_relative_to(self.cwd.resolve()):
                return path, (f"{path} is outside the working directory "
                              f"{self.cwd.resolve()}; every file in it becomes readable "
                              "through the API")
            return path, None
        if not self.roots:
            raise SourceError("folder sources cannot be added here: set MONITOR_FOLDER_ROOTS "
                              "to the directories they may be in, or use the command line")
        if not any(path.is_relative_to(root) for root in self.roots):
            raise SourceError(f"{location!r} is not under a folder root (MONITOR_FOLDER_ROOTS: "
                              + ", ".join(str(r) for r in self.roots) + ")")
        return path, None


def check_kind(kind: str | None) -> None:
    """SourceError unless ``kind`` is None (to be detected) or one of ``KINDS``."""
    if kind is not None and kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")


def place(location: str, kind: str | None, policy: URLPolicy,
          folders: FolderAccess | None = None) -> Placement:
    """Where and what a new source is; SourceError (URLPolicyError for a refused address)
    says why it cannot be added. A folder path is not a URL: the policy does not apply, the
    folder roots do (``folders``; default: no folder allowed)."""
    check_kind(kind)
    location = location.strip()
    folders = folders or FolderAccess()
    warning = None
    scheme = other_scheme(location)
    if scheme is not None:
        raise SourceError(f"{location!r} is neither an http(s) URL nor a directory ({scheme}: "
                          "URLs are not supported)")
    if not location.startswith(("http://", "https://")):
        # Checked before the path is looked at: an untrusted caller learns nothing about
        # directories outside the roots, not even whether they exist.
        resolved, warning = folders.check(location)
        location = str(resolved)
    if guess_kind(location) == "folder":
        if kind not in (None, "folder"):
            raise SourceError(f"{location!r} is a directory, not a {kind}")
        return Placement("folder", location, warning=warning)
    if kind == "folder":
        raise SourceError(f"{location!r} is a URL, not a directory")
    try:
        policy.check_sync(location)
    except URLPolicyError as exc:
        if "cannot resolve" not in str(exc):
            raise
        # A name that does not resolve today may tomorrow; every poll checks it again.
        warning = f"{exc}; added anyway, every poll checks it again"
    return Placement(kind or "feed", location, auto=kind is None, warning=warning)
