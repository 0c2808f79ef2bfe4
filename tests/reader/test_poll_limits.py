"""A folder poll reads its newest files up to the item cap, before reading them; a poll's
problems, however many, are recorded on the source as a short message."""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.app import open_app
from monitor.config import Settings
from monitor.reader.fetcher import Validators
from monitor.reader.parsers import folder
from monitor.reader.parsers.folder import FolderSource
from tests.apiclient import cycle


def test_a_folder_reads_only_its_newest_files_up_to_the_cap(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(30):
        path = tmp_path / f"{n:02d}.txt"
        path.write_text(f"Note {n}\n\nThe embassy closed.\n", "utf-8")
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
    read: list[str] = []
    real = folder.read_file

    def counted(path: Path) -> list[object]:
        read.append(path.name)
        return real(path)  # type: ignore[return-value]

    monkeypatch.setattr(folder, "read_file", counted)
    result = asyncio.run(FolderSource(str(tmp_path), max_files=10).poll(Validators()))
    # Each file may be megabytes: the other 20 are never read.
    assert sorted(read) == [f"{n}.txt" for n in range(20, 30)]
    assert sorted(i.content.split("\n")[0] for i in result.items) == [
        f"Note {n}" for n in range(20, 30)]
    assert list(result.problems) == ["30 files: read the newest 10 (MONITOR_MAX_ITEMS_PER_POLL)"]


def test_a_poll_with_thousands_of_problems_records_a_short_error(
        settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "note.txt").write_text("Embassy closed\n\nThe embassy closed on Monday.\n", "utf-8")
    for n in range(2000):  # every one a problem: a link out of the folder
        (inbox / f"link-{n:04d}.txt").symlink_to("/etc/hostname")

    async def go() -> tuple[object, str | None]:
        async with AsyncExitStack() as stack:
            app = await open_app(stack, replace(settings, seeds_dir=inbox))
            [report], _ = await cycle(app)
            [source] = app.store.list_sources()
            return report, source.source.last_error

    report, error = asyncio.run(go())
    assert report.status == "ok" and report.new_articles == 1  # type: ignore[attr-defined]
    assert error is not None and len(error) < 700, len(error or "")
    assert "link-0000.txt: a symbolic link out of the folder" in error
    assert "more characters" in error
    logged = [r for r in caplog.records if r.getMessage() == "source.poll.problem"]
    assert len(logged) == 21 and logged[-1].problem == "and 1980 more problems"  # type: ignore[attr-defined]
