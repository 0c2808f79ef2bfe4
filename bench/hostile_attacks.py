"""The raw-socket attacks of the hostile replay: half-sent requests, a huge chunked body, and
clients that hang up."""

from __future__ import annotations

import contextlib
import socket
import time


def half_sent(port: int, count: int, timeout: float) -> str:
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        socks.append(s)
    started = time.monotonic()
    closed = 0
    for s in socks:
        s.settimeout(max(0.1, timeout - (time.monotonic() - started)))
        with contextlib.suppress(TimeoutError, OSError):
            closed += s.recv(1) == b""
        s.close()
    return f"{closed}/{count} closed by the daemon within {time.monotonic() - started:.1f} s"


def big_body(port: int, size: int) -> str:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /api/v1/rules/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
              b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    sent, chunk = 0, b"x" * 65536
    s.settimeout(10)
    try:
        while sent < size:
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
    except OSError:
        pass
    try:
        answer = s.recv(200).split(b"\r\n")[0].decode()
    except OSError as exc:
        answer = repr(exc)
    s.close()
    return f"{answer or 'closed'} after {sent / 1e6:.1f} MB of 100 MB sent (chunked)"


def slow_clients(port: int, body: bytes, count: int) -> str:
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /api/v1/rules/test HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  b"application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        socks.append(s)
    time.sleep(1.0)
    for s in socks:
        s.close()  # gone before any answer
    return f"{count} clients sent a heavy rules/test and hung up after 1 s"
