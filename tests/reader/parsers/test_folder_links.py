"""A folder source reads what is inside its directory: links out of it are skipped, reported."""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.reader.fetcher import Validators
from monitor.reader.parsers.folder import FolderSource


def _poll(folder: Path) -> tuple[list[str], list[str]]:
    result = asyncio.run(FolderSource(str(folder)).poll(Validators()))
    return [i.content for i in result.items], list(result.problems)


def test_links_leading_out_of_the_folder_are_not_followed_and_are_reported(
        tmp_path: Path) -> None:
    outside = tmp_path / "etc"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n", "utf-8")
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "note.txt").write_text("Embassy closed\n\nThe embassy closed on Monday.", "utf-8")
    (folder / "passwd.txt").symlink_to(outside / "passwd")  # a file link out
    (folder / "etc.txt").symlink_to(outside, target_is_directory=True)  # a directory link out
    (folder / "loop.txt").symlink_to(folder / "loop.txt")  # a link to itself
    (folder / "alias.txt").symlink_to(folder / "note.txt")  # a link inside: read
    bodies, problems = _poll(folder)
    assert not any("root:x" in b for b in bodies)
    assert sum("The embassy closed" in b for b in bodies) == 2  # the note and its alias
    assert sorted(problems) == sorted([
        f"{folder / 'etc.txt'}: a symbolic link out of the folder; not followed",
        f"{folder / 'loop.txt'}: a symbolic link that leads nowhere; not followed",
        f"{folder / 'passwd.txt'}: a symbolic link out of the folder; not followed",
    ])


def test_a_file_over_the_cap_is_skipped_and_reported(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "huge.txt").write_bytes(b"word " * (2 * 1024 * 1024 + 1))  # just over 10 MB
    (folder / "small.txt").write_text("Small\n\nA small note.", "utf-8")
    bodies, problems = _poll(folder)
    assert bodies == ["Small\n\nA small note."]
    assert problems == [f"{folder / 'huge.txt'}: larger than 10485760 bytes; skipped"]
