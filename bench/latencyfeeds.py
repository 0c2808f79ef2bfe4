"""The loopback feeds of the API-latency benchmark: generated RSS 2.0, served from 127.0.0.1 by a
process of its own."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from xml.sax.saxutils import escape

from bench.feedwords import CUMULATIVE, LANGUAGES, TOPIC_SHARE, TOPICS, vocabulary

HOST = "127.0.0.1"
BODY_WORDS = 300


def feed_body(n: int, items: int, base: datetime) -> bytes:
    """RSS 2.0 feed ``n``: ``items`` distinct dated items of ~300 words, a few on a topic."""
    rng = random.Random(n)
    language = LANGUAGES[n % len(LANGUAGES)]
    parts = [f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
             f"<title>Feed {n}</title><link>http://{HOST}/{n}</link>"
             f"<language>{language}</language>"]
    for i in range(items):
        words = rng.choices(vocabulary(language), cum_weights=CUMULATIVE, k=BODY_WORDS)
        if rng.random() < TOPIC_SHARE:
            words.insert(rng.randrange(10, BODY_WORDS - 10), rng.choice(TOPICS[language]))
        when = format_datetime(base - timedelta(minutes=17 * i + n % 60))
        parts.append(f"<item><title>{escape(' '.join(words[:8]).capitalize())} {n}-{i}</title>"
                     f"<guid>f{n}-i{i}</guid><link>http://{HOST}/{n}/{i}</link>"
                     f"<pubDate>{when}</pubDate><description>{escape(' '.join(words))}."
                     f"</description></item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def serve(conn: Connection, feeds: int, items: int) -> None:
    """Keep-alive HTTP/1.1 server on 127.0.0.1 answering GET /feed/N; sends its port up."""
    base = datetime.now(UTC).replace(microsecond=0)
    bodies = [feed_body(n, items, base) for n in range(feeds)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode("latin-1")
                body = bodies[int(path.removeprefix("/feed/"))]
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body) + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                IndexError, ValueError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, HOST, 0, backlog=4096)
        conn.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())
