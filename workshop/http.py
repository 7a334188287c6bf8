"""Django's ASGI handler, serving each request in one trip to a small pool of threads.

Django's own handler runs our (sync-capable) middleware in async mode: every middleware's request
and response hooks hop to a worker thread and back, inside a thread created for each request. Under
a rush of 2,000 phones joining, those hops and thread starts were most of the server's work and
queued up the event loop that also carries the WebSockets. Here the middleware chain and the view
run synchronously, as under WSGI, in one hop per request to threads that live as long as the
process (and keep their database connections).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

from game.writer import serve_from

# Requests are mostly Python work, which the GIL runs one at a time, but each also waits on
# PostgreSQL, Redis and the group commit: with four threads, 5,000 phones joining left a third of
# the CPU idle (joins in 58-66 s); with eight, 40 s.
THREADS = int(os.environ.get("HTTP_THREADS", "8"))


# How much of a streamed download (an export) is read and sent at a time.
PIECE_BYTES = 256 * 1024


def in_pieces(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A streamed download, read and sent a piece at a time. Given a plain iterator, Django's
    ASGI handler reads it to its end into memory before it sends a byte, then sends it part by
    part from the event loop without letting anything else run: a 17 MB archive (one part an
    event) held up every room's acks for half a second. Each piece here is read in the
    response's sync thread (where an export's database cursor lives), so the process holds a
    piece at a time and the rooms get their turn between pieces."""

    def next_piece() -> bytes:
        piece, size = [], 0
        for part in parts:
            piece.append(part)
            size += len(part)
            if size >= PIECE_BYTES:
                break
        return b"".join(piece)

    async def pieces() -> AsyncIterator[bytes]:
        while piece := await sync_to_async(next_piece)():
            yield piece

    return pieces()


class HttpHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.pool = ThreadPoolExecutor(THREADS, thread_name_prefix="http")

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP only, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        in_pool = sync_to_async(self._respond, thread_sensitive=False, executor=self.pool)
        response = await in_pool(scope, body_file, asyncio.get_running_loop())
        try:
            if response.streaming:
                # Files and exports: rare, so sent Django's way, with a thread of their own
                # that reads the iterator and then closes the response.
                if not response.is_async and not isinstance(response, FileResponse):
                    response.streaming_content = in_pieces(response.streaming_content)
                async with ThreadSensitiveContext():
                    try:
                        await self.send_response(response, send)
                    finally:
                        await sync_to_async(response.close)()
            else:
                await self.send_response(response, send)
        finally:
            body_file.close()

    def _respond(self, scope: dict, body_file, loop: asyncio.AbstractEventLoop) -> HttpResponseBase:
        """Everything Django does for one request, in one thread, whose writes go through the
        serving loop's group commit (game/writer.py)."""
        serve_from(loop)
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            # Its body is already in memory, so it can close (and end the request, returning
            # the database connection) in the thread that opened it, before it is sent.
            response.close()
        return response
