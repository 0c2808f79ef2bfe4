"""A misbehaving HTTP server on 127.0.0.1 for tests: slow drip, endless body, bombs, loops."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

Behaviour = Callable[[BaseHTTPRequestHandler], None]


def drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte every 50 ms, practically forever."""
    handler.send_response(200)
    handler.send_header("content-type", "application/rss+xml")
    handler.send_header("content-length", "100000")
    handler.end_headers()
    try:
        for _ in range(100000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A body without length that never ends (until the client hangs up)."""
    handler.send_response(200)
    handler.send_header("content-type", "application/rss+xml")
    handler.send_header("connection", "close")
    handler.end_headers()
    chunk = b"<!-- padding -->" * 4096
    try:
        for _ in range(100000):
            handler.wfile.write(chunk)
    except OSError:
        pass
    handler.close_connection = True


def fixed(status: int, body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        if "content-length" not in (headers or {}):
            handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(OSError):
            handler.wfile.write(body)

    return answer


def redirect(location: str, status: int = 302) -> Behaviour:
    return fixed(status, b"", {"location": location})


class HostileServer:
    """Each path has a behaviour that writes the raw response itself."""

    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.hits: dict[str, int] = {}
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                with outer._lock:
                    outer.hits[path] = outer.hits.get(path, 0) + 1
                    outer.active += 1
                    outer.peak = max(outer.peak, outer.active)
                try:
                    behaviour = outer.routes.get(path, fixed(404, b"not found"))
                    behaviour(self)
                finally:
                    with outer._lock:
                        outer.active -= 1

            do_POST = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
