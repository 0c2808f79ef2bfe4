"""Heavy request work in child processes, each with a deadline and a memory cap: the API's
and the console's evaluations of candidate rules.

A candidate rule is arbitrary input: a few KB of query can make a matcher that takes minutes
or gigabytes. A thread cannot be stopped, so this work runs in worker processes forked from a
forkserver that has already imported the rule machinery and loaded the language model (a fork
costs milliseconds, not the seconds those take, and the workers share the model's ~72 MB
instead of each holding its own). Each worker's address space is capped (``RLIMIT_AS``) at its
size when it starts plus ``memory_bytes``; a task over its deadline, or whose client has gone,
gets its worker killed. At most ``workers`` tasks run at once: another is refused at once (the
API answers 503 with Retry-After) rather than queued behind slow ones.

Each refusal is a ``Refused`` with the HTTP status, code and message (naming the setting) that
the API and the console answer with.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import resource
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger("monitor.api")

RETIRE_AFTER = 50  # tasks per worker: a long-lived worker's heap only grows
# A worker that kept more than this after its task is retired: what one task left behind
# (a huge candidate's matcher, a heap grown by a big text) an idle worker would hold for
# nothing. A usual task leaves the rules directory's concepts (~7 MB) and stays under it.
RETIRE_GROWTH = 32 * 2**20
# Imported by the forkserver after the modules callers ask for: every worker starts with the
# language model loaded, and the heap it shares with its siblings set aside from collections
# (monitor.rules.preload).
LAST_PRELOAD = "monitor.rules.preload"
_POLL = 0.2  # seconds between two looks at whether the client is still there


class Refused(Exception):
    """A task that did not give its result: why (the message), as an HTTP answer."""

    status, code = 500, "evaluation_failed"


class Busy(Refused):
    """Every worker is taken."""

    status, code = 503, "busy"


class OverTime(Refused):
    """The task ran past its deadline; its worker was killed."""

    status, code = 422, "evaluation_timeout"


class OverMemory(Refused):
    """The task needed more memory than its worker may have."""

    status, code = 422, "evaluation_too_large"


class Gone(Refused):
    """The client went away; its task's worker was killed."""

    status, code = 408, "client_gone"


class Failed(Refused):
    """The task raised; the message says what (never a traceback)."""


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _resident(pid: int) -> int:
    """Resident bytes of process ``pid`` (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return 0


def _serve(conn: Connection, memory_bytes: int) -> None:
    """A worker's loop: run tasks until the pipe closes."""
    if memory_bytes:
        cap = _vm_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    conn.send("ready")  # a task's deadline starts now, not while this process was starting
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            result = ("memory", None)
        except RecursionError:
            result = ("error", "too deeply nested")
        except Exception as exc:  # reported to the caller, who turns it into an answer
            result = ("error", f"{type(exc).__name__}: {exc}"[:300])
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("memory", None))


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process, self.conn, self.tasks = process, conn, 0
        self.base = _resident(process.pid or 0)  # at its start, ready for tasks

    def grown(self) -> bool:
        return _resident(self.process.pid or 0) > self.base + RETIRE_GROWTH

    def kill(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)  # SIGKILL ends it at once; join reaps it


class Evaluator:
    """A small pool of killable worker processes (see the module's docstring)."""

    def __init__(self, *, workers: int, timeout: float, memory_bytes: int,
                 preload: list[str]) -> None:
        self.workers, self.timeout, self.memory_bytes = workers, timeout, memory_bytes
        self._preload = preload
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._busy = 0
        self._closed = False

    def _start(self) -> _Worker:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([*self._preload, LAST_PRELOAD])
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child, self.memory_bytes), daemon=True,
                              name="monitor-evaluator")
        process.start()
        child.close()
        try:
            started = parent.poll(60) and parent.recv() == "ready"
        except (EOFError, OSError):
            started = False
        if not started:
            process.kill()
            raise Failed("the evaluation failed: a worker process did not start")
        return _Worker(process, parent)

    async def warm(self) -> None:
        """Start the workers before the first request needs them (the forkserver's first
        start imports the rule machinery: seconds on a busy machine)."""
        while len(self._idle) + self._busy < self.workers and not self._closed:
            try:
                worker = await asyncio.to_thread(self._start)
            except Failed as exc:  # the first request will say so, too
                log.error("api.evaluator.failed", extra={"error": str(exc)})
                return
            self._live.add(worker)
            self._idle.append(worker)

    async def run(self, fn: Callable[..., Any], *args: Any,
                  gone: Callable[[], Awaitable[bool]] | None = None) -> Any:
        """``fn(*args)`` in a worker; raises Busy, OverTime, OverMemory, Gone or Failed."""
        if self._busy >= self.workers or self._closed:
            raise Busy(f"{self.workers} rule evaluations are already running "
                       "(MONITOR_RULE_TEST_CONCURRENCY); try again shortly")
        self._busy += 1
        worker: _Worker | None = None
        done = False
        try:
            worker = self._idle.pop() if self._idle else await asyncio.to_thread(self._start)
            self._live.add(worker)
            worker.tasks += 1
            worker.conn.send((fn, args))
            await self._wait(worker, gone)
            status, value = await asyncio.to_thread(worker.conn.recv)
            done = status == "ok" or status == "error"
        except (EOFError, OSError):
            raise Failed("the evaluation failed: the worker process died") from None
        finally:
            self._busy -= 1
            if worker is not None:
                if (done and worker.tasks < RETIRE_AFTER and not self._closed
                        and not worker.grown()):
                    self._idle.append(worker)
                else:
                    self._live.discard(worker)
                    worker.kill()
        if status == "memory":
            raise OverMemory(f"the evaluation needed more than {self.memory_bytes // 2**20} MiB "
                             "(MONITOR_RULE_TEST_MEMORY_MB)")
        if status == "error":
            raise Failed(f"the evaluation failed: {value}")
        return value

    async def _wait(self, worker: _Worker, gone: Callable[[], Awaitable[bool]] | None) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            deadline = loop.time() + self.timeout
            while not ready.done():
                left = deadline - loop.time()
                if left <= 0:
                    raise OverTime(f"the evaluation took longer than {self.timeout:g} s "
                                   "(MONITOR_RULE_TEST_TIMEOUT)")
                await asyncio.wait({ready}, timeout=min(_POLL, left))
                if not ready.done() and gone is not None and await gone():
                    raise Gone("the client went away")
        finally:
            loop.remove_reader(fd)

    def close(self) -> None:
        """Kill every worker (at shutdown: running tasks end now, not at their deadline)."""
        self._closed = True
        for worker in [*self._live]:
            worker.kill()
        self._live.clear()
        self._idle.clear()
