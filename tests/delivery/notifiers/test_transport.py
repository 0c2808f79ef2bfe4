"""The webhook transport against hostile receivers: every misbehaviour is a recorded failure."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from monitor.delivery.notifiers.transport import LeanTransport
from monitor.store import Store
from monitor.testing import LoopbackServer, Reply
from tests.deliveryhelp import FakeClock, add_alerts, deliver_once

Behaviour = Callable[[socket.socket], None]


@contextmanager
def raw_server(behaviour: Behaviour) -> Iterator[str]:
    """A TCP server on loopback that treats every connection with ``behaviour``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.05)  # so that the loop sees ``stop`` soon
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                with suppress(OSError):
                    behaviour(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def _read_request(conn: socket.socket) -> None:
    conn.recv(65536)


def hang_up(conn: socket.socket) -> None:
    _read_request(conn)


def garbage(conn: socket.socket) -> None:
    _read_request(conn)
    conn.sendall(b"SMTP READY\r\n\r\n")


def half_answer(conn: socket.socket) -> None:
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort")


def huge_answer(conn: socket.socket) -> None:
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 3000000\r\n\r\n" + b"x" * 3_000_000)


@pytest.mark.parametrize("behaviour", [hang_up, garbage, half_answer, huge_answer])
def test_a_hostile_receiver_is_a_failure_to_retry(db_url: str, behaviour: Behaviour) -> None:
    store = Store.open(db_url)
    add_alerts(store, 2)
    with raw_server(behaviour) as url:
        report = deliver_once(store, {"a": url}, FakeClock(), timeout=3)
    assert report.failed >= 1 and report.delivered == 0
    for d in store.deliveries():
        assert d.status == "pending"
    assert store.deliveries()[0].last_error


def one_answer_then_close(conn: socket.socket) -> None:
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")  # keep-alive implied, yet it closes


def test_a_kept_alive_connection_the_receiver_closed_is_replaced(db_url: str) -> None:
    store = Store.open(db_url)
    add_alerts(store, 4)
    with raw_server(one_answer_then_close) as url:
        report = deliver_once(store, {"a": url}, FakeClock(), concurrency=1)
    assert report.delivered == 4


def test_connection_close_answers_work(db_url: str, server: LoopbackServer) -> None:
    server.route("/hook", Reply(204, headers={"connection": "close"}))
    store = Store.open(db_url)
    add_alerts(store, 3)
    assert deliver_once(store, {"a": server.url("/hook")}, FakeClock(),
                        concurrency=1).delivered == 3


def test_https_receivers_are_verified(tmp_path: Path) -> None:
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)

    def tls_answer(conn: socket.socket) -> None:
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            while tls.recv(65536).find(b"\r\n\r\n") < 0:
                pass
            tls.sendall(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")

    async def post(url: str, ctx: ssl.SSLContext | None) -> int:
        async with httpx.AsyncClient(transport=LeanTransport(verify=ctx)) as client:
            return (await client.post(url, content=b"{}", timeout=5)).status_code

    with raw_server(tls_answer) as url:
        https = url.replace("http://", "https://")
        trusted = ssl.create_default_context(cafile=str(cert))
        assert asyncio.run(post(https, trusted)) == 204
        with pytest.raises(httpx.ConnectError, match=r"(?i)certificate"):
            asyncio.run(post(https, None))  # the system roots do not know this one
