"""A lean HTTP/1.1 transport for webhook POSTs, plugged into httpx.

httpcore writes a request's head and body in two socket writes; on loopback and small payloads
that costs a delayed-ACK round per request and caps one connection at a few hundred requests a
second. This transport writes each request in ONE write (TCP_NODELAY), keeps connections alive
per origin, parses responses with h11, and maps failures onto httpx's exception tree so that
callers see an ordinary ``httpx.AsyncClient``. It never follows redirects (httpx decides that).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import defaultdict
from dataclasses import dataclass

import h11
import httpx

from monitor.reader.urlpolicy import URLPolicy

_MAX_BODY = 1 << 20  # a receiver's answer beyond this is not read; the connection is dropped
_MAX_IDLE = 256


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    h11: h11.Connection

    def close(self) -> None:
        self.writer.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """Keep-alive connections per (scheme, host, port); one write per request."""

    def __init__(self, *, verify: ssl.SSLContext | None = None,
                 policy: URLPolicy | None = None) -> None:
        self._idle: dict[tuple[str, str, int], list[_Conn]] = defaultdict(list)
        self._ssl = verify
        self._policy = policy  # connect only to addresses it allows (checked, then pinned)

    async def _connect(self, url: httpx.URL, timeout: float | None) -> _Conn:
        port = url.port or (443 if url.scheme == "https" else 80)
        tls = None
        if url.scheme == "https":
            tls = self._ssl or ssl.create_default_context()
        addresses = [url.host]
        if self._policy is not None:
            addresses = await self._policy.connect_to(url.host, port)
        reader, writer = await asyncio.wait_for(
            self._open(addresses, port, tls, url.host), timeout)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Conn(reader, writer, h11.Connection(h11.CLIENT))

    @staticmethod
    async def _open(addresses: list[str], port: int, tls: ssl.SSLContext | None, name: str
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        error: OSError | None = None
        for address in addresses:
            try:
                return await asyncio.open_connection(
                    address, port, ssl=tls, server_hostname=name if tls else None,
                    limit=1 << 16)
            except OSError as exc:
                error = exc  # the next address of the name may answer
        assert error is not None
        raise error

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        read_timeout = timeouts.get("read")
        connect_timeout = timeouts.get("connect")
        key = (request.url.scheme, request.url.host, request.url.port or 0)
        body = await request.aread()
        idle = self._idle[key]
        reused = bool(idle)
        conn = idle.pop() if idle else None
        try:
            if conn is None:
                conn = await self._connect(request.url, connect_timeout)
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting", request=request) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        try:
            return await self._exchange(conn, key, request, body, read_timeout)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            if not reused:
                raise
            # A kept-alive connection the receiver had closed meanwhile: one fresh try. The
            # webhook-id makes a rare double delivery harmless to the receiver.
            try:
                fresh = await self._connect(request.url, connect_timeout)
            except OSError as exc:
                raise httpx.ConnectError(str(exc) or type(exc).__name__,
                                         request=request) from None
            return await self._exchange(fresh, key, request, body, read_timeout)

    async def _exchange(self, conn: _Conn, key: tuple[str, str, int], request: httpx.Request,
                        body: bytes, timeout: float | None) -> httpx.Response:
        headers = [(k.encode("latin-1"), v.encode("latin-1"))
                   for k, v in request.headers.items()
                   if k.lower() not in ("content-length", "transfer-encoding")]
        headers.append((b"content-length", str(len(body)).encode()))
        target = request.url.raw_path
        try:
            data = conn.h11.send(h11.Request(method=request.method, target=target,
                                             headers=headers))
            data = (data or b"") + (conn.h11.send(h11.Data(data=body)) or b"") + \
                (conn.h11.send(h11.EndOfMessage()) or b"")
            conn.writer.write(data)
            status, reply_headers, content = await asyncio.wait_for(self._read(conn), timeout)
        except TimeoutError:
            conn.close()
            raise httpx.ReadTimeout("timed out waiting for the answer", request=request) from None
        except h11.ProtocolError as exc:
            conn.close()
            raise httpx.RemoteProtocolError(str(exc), request=request) from None
        except OSError as exc:
            conn.close()
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None
        if conn.h11.our_state is h11.DONE and conn.h11.their_state is h11.DONE:
            conn.h11.start_next_cycle()
            idle = self._idle[key]
            if len(idle) < _MAX_IDLE:
                idle.append(conn)
            else:
                conn.close()
        else:
            conn.close()
        return httpx.Response(status, headers=reply_headers, content=content, request=request)

    @staticmethod
    async def _read(conn: _Conn) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        status, headers, chunks, size = 0, [], [], 0
        while True:
            event = conn.h11.next_event()
            if event is h11.NEED_DATA:
                data = await conn.reader.read(65536)
                if not data and conn.h11.their_state is not h11.DONE:
                    raise ConnectionResetError("the receiver closed the connection")
                conn.h11.receive_data(data)
            elif isinstance(event, h11.Response):
                status, headers = event.status_code, list(event.headers)
            elif isinstance(event, h11.InformationalResponse):
                continue
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > _MAX_BODY:
                    raise ConnectionAbortedError("the answer is too large")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("the receiver closed the connection")

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
