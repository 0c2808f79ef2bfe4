"""Progress for people at a terminal: a rich progress bar, or plain log lines when not a tty."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, TextIO

from monitor.reader.poller import PollReport

log = logging.getLogger("monitor.cli.progress")


class Progress:
    """Counts ``total`` steps; a bar on a terminal, a ``progress`` log event per step otherwise."""

    def __init__(self, stream: TextIO, description: str) -> None:
        self.stream = stream
        self.description = description
        self.done = 0
        self.total = 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, total: int) -> None:
        self.total = total
        if self.stream.isatty() and total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.fields[item]}"),
                            console=Console(file=self.stream), transient=True)
            self._task = self._bar.add_task(self.description, total=total, item="")
            self._bar.start()

    def step(self, item: str, **fields: Any) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, item=item[-60:])
            return
        log.info("progress", extra={"task": self.description, "done": self.done,
                                    "total": self.total, "item": item, **fields})


class PollProgress(Progress):
    """Progress of ``monitor run --once``: one step per polled source."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream, "polling")

    def __enter__(self) -> PollProgress:
        return self

    def advance(self, report: PollReport) -> None:
        self.step(report.location, status=report.status, new=report.new_articles,
                  alerts=len(report.alerts))
