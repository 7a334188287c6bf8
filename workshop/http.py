"""Django's ASGI handler, serving each request in one trip to a small pool of threads.

The one fork of Django in the project: ``HttpHandler.__call__`` re-implements
``ASGIHandler.handle`` (Django 5.2). Django's own handler runs our (sync-capable) middleware in
async mode: every middleware's request and response hooks hop to a worker thread and back (about
16 hops a request), inside a thread created for each request. Here the middleware chain and the
view run synchronously, as under WSGI, in one hop per request to threads that live as long as the
process (and keep their database connections).

Why it stays (bench/README.md, "What changed"; commits 9b06177 and 2598c9d):

- py-spy on a rush of 2,000 phones joining (embedded shape) showed those hops and thread starts
  as most of the server's work, queueing up the event loop that also carries the WebSockets. With
  this handler (and, in the same commit, the display lanes kept apart): joins 61.6 s -> 39.0 s,
  vote ack p95 332 ms -> 196 ms.
- Eight threads rather than four (``HTTP_THREADS``): at production 5,000 four left a third of the
  CPU idle while each waited on PostgreSQL, Redis or the group commit; joins 58-66 s -> 40 s.

What it keeps of Django's ``handle``: the body read with Django's ``read_body``, the request
signals, Django's request and response objects, and listening for ``http.disconnect`` while the
view runs and while the response is sent: a client that goes away has nothing sent to it. A view
in a thread cannot be interrupted (Django's own handler cannot stop a sync view either), so its
response is closed unsent once it returns, and only then the body file it may still be reading.
tests/workshop/test_forks_pinned.py fails when Django's handler changes under it.
"""

from __future__ import annotations

import asyncio
import contextlib
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
        gone = asyncio.ensure_future(self.listen_for_disconnect(receive))
        in_pool = sync_to_async(self._respond, thread_sensitive=False, executor=self.pool)
        responding = asyncio.ensure_future(in_pool(scope, body_file, asyncio.get_running_loop()))
        response = None
        try:
            await asyncio.wait([gone, responding], return_when=asyncio.FIRST_COMPLETED)
            if not gone.done():
                response = responding.result()
                await self._send_unless_gone(response, send, gone)
        finally:
            gone.cancel()
            if response is None:  # the client left (or the server gave up) while the view ran
                self._drop_when_ready(responding, body_file)
            else:
                body_file.close()
        if gone.done() and not gone.cancelled():
            with contextlib.suppress(RequestAborted):
                gone.result()  # anything but a disconnect is the server's mistake: raised

    async def _send_unless_gone(self, response: HttpResponseBase, send, gone: asyncio.Future):
        sending = asyncio.ensure_future(self._send(response, send))
        await asyncio.wait([gone, sending], return_when=asyncio.FIRST_COMPLETED)
        if not sending.done():
            # A download whose client left: stop reading it (the response is closed in _send).
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
        else:
            sending.result()

    async def _send(self, response: HttpResponseBase, send) -> None:
        if not response.streaming:
            await self.send_response(response, send)
            return
        # Files and exports: rare, so sent Django's way, with a thread of their own that reads
        # the iterator and then closes the response.
        if not response.is_async and not isinstance(response, FileResponse):
            response.streaming_content = in_pieces(response.streaming_content)
        async with ThreadSensitiveContext():
            try:
                await self.send_response(response, send)
            finally:
                await sync_to_async(response.close)()

    def _drop_when_ready(self, responding: asyncio.Future, body_file) -> None:
        """The client left while its view ran. Once the view returns, in a request thread (where
        closing a response releases the database connection): close what it returned, unsent,
        then the body file it may have been reading."""

        def drop(done: asyncio.Future) -> None:
            if not done.cancelled() and done.exception() is None:
                response = done.result()
                if response.streaming:  # the others closed themselves in _respond
                    response.close()
            body_file.close()

        responding.add_done_callback(lambda done: self.pool.submit(drop, done))

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
