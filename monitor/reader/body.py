"""Response bodies within bounds: read as a stream, decompressed in small steps, capped.

The byte cap is counted twice, on the bytes received and on the bytes decompressed, and the
decoders produce at most ``_STEP`` bytes per step, so a gzip or brotli bomb is stopped after
its first few steps instead of being inflated in memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

import brotli

from monitor.errors import FetchError

if TYPE_CHECKING:
    import httpx  # the response's own module: loaded by whoever made the response

_STEP = 64 * 1024  # decompressed bytes produced per step, so a bomb is caught early


class _Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data


class _Inflate:
    """gzip/deflate, producing at most ``_STEP`` bytes per step."""

    def __init__(self, wbits: int) -> None:
        self.wbits = wbits
        self.obj = zlib.decompressobj(wbits)
        self.started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        # A generator: the reader counts each step and stops a bomb after the first few.
        buf = data
        while buf:
            try:
                piece = self.obj.decompress(buf, _STEP)
            except zlib.error as exc:
                # Some servers send raw deflate where zlib-wrapped deflate is meant.
                if self.wbits == zlib.MAX_WBITS and not self.started:
                    self.wbits, self.obj = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(f"bad compressed body: {exc}") from exc
            self.started = True
            buf = self.obj.unconsumed_tail
            if piece:
                yield piece
            if self.obj.eof:
                break
            if not piece and not buf:
                break


class _Brotli:
    def __init__(self) -> None:
        self.obj = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            piece = self.obj.process(data, output_buffer_limit=_STEP)
            while True:
                if piece:
                    yield piece
                if self.obj.is_finished() or self.obj.can_accept_more_data():
                    break
                piece = self.obj.process(b"", output_buffer_limit=_STEP)
        except brotli.error as exc:
            raise FetchError(f"bad brotli body: {exc}") from exc


def decoder(encoding: str) -> _Decoder:
    """The decoder of one ``Content-Encoding``; FetchError for an unknown one."""
    enc = encoding.strip().lower()
    if enc in ("gzip", "x-gzip"):
        return _Inflate(16 + zlib.MAX_WBITS)
    if enc == "deflate":
        return _Inflate(zlib.MAX_WBITS)
    if enc == "br":
        return _Brotli()
    if enc in ("", "identity"):
        return _Identity()
    raise FetchError(f"unsupported content-encoding {encoding!r}")


async def read_body(response: httpx.Response, url: str, limit: int) -> bytes:
    """The body of ``response``, decompressed; FetchError once it passes ``limit`` bytes,
    counted as received and again as decompressed (a bomb stops after a few steps)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(f"body of {url} is {declared} bytes, more than the {limit} allowed")
    encodings = [e for e in response.headers.get("content-encoding", "").split(",")
                 if e.strip()]
    decoders = [decoder(e) for e in reversed(encodings)]
    chunks: list[bytes] = []
    raw_size = size = 0
    async for raw in _raw(response):
        raw_size += len(raw)
        if raw_size > limit:
            raise FetchError(f"body of {url} exceeds {limit} bytes")
        pieces: Iterable[bytes] = [raw]
        for dec in decoders:
            pieces = _through(dec, pieces)
        for piece in pieces:
            size += len(piece)
            if size > limit:
                raise FetchError(f"body of {url} exceeds {limit} bytes once decompressed")
            chunks.append(piece)
    return b"".join(chunks)


def _through(dec: _Decoder, pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from dec.feed(piece)


async def _raw(response: httpx.Response) -> AsyncIterator[bytes]:
    import httpx

    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.StreamConsumed:
        # A response built with its content already in memory (mock transports in tests).
        yield response.content
