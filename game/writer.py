"""Group commit: one writer task per process, for every workshop it serves.

Commands arriving while a transaction is running wait and go together in the next one, so a
burst of votes costs a few transactions rather than one each, and a hundred small rooms voting
at once share them too (one trip to the database thread, one commit). Every command is still
acknowledged only after the transaction holding it has committed.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections import defaultdict

from channels.db import database_sync_to_async

from game import fanout, service
from game.loops import one_per_loop
from game.service import Outcome, Submission

log = logging.getLogger(__name__)
MAX_BATCH = 500

Queued = tuple[int, Submission, asyncio.Future]


class Writer:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: list[Queued] = []
        self.task: asyncio.Task | None = None

    async def submit(self, workshop_id: int, submission: Submission) -> Outcome:
        future = self.loop.create_future()
        self.queue.append((workshop_id, submission, future))
        if self.task is None or self.task.done():
            # In a context of its own: started from a request thread's call, the task would
            # otherwise inherit that call's context, and asgiref would run the database work
            # of every later batch in that (by then departed) thread.
            self.task = self.loop.create_task(self._drain(), context=contextvars.Context())
        return await future

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            by_workshop: dict[int, list[Queued]] = defaultdict(list)
            for queued in batch:
                by_workshop[queued[0]].append(queued)
            try:
                outcomes = await database_sync_to_async(service.submit_many)(
                    {w: [sub for _, sub, _ in queued] for w, queued in by_workshop.items()}
                )
            except Exception as problem:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(problem)
                continue
            # Committed: acknowledge first, so the acks queue ahead of the broadcasts' work. A
            # room that failed fails its own commands only.
            for workshop_id, queued in by_workshop.items():
                results = outcomes[workshop_id]
                for n, (_, _, future) in enumerate(queued):
                    if future.done():
                        continue
                    if isinstance(results, Exception):
                        future.set_exception(results)
                    else:
                        future.set_result(results[n])
            for workshop_id, results in outcomes.items():
                if not isinstance(results, Exception):
                    await _publish(workshop_id, results)


async def _publish(workshop_id: int, outcomes: list[Outcome]) -> None:
    logged = [x for o in outcomes if o.ok and not o.duplicate for x in o.logged]
    if not logged:
        return
    try:
        await fanout.publish(workshop_id, logged)
    except Exception:
        # Committed all the same: receivers heal the gap from the log.
        log.exception("publishing workshop %s failed", workshop_id)


# This event loop's writer.
writer = one_per_loop(Writer)


class _RequestThread(threading.local):
    loop: asyncio.AbstractEventLoop | None = None


_request_thread = _RequestThread()


def serve_from(loop: asyncio.AbstractEventLoop) -> None:
    """Mark the calling thread as serving requests for the server running ``loop``, so that its
    writes go through that loop's writer (see ``submit_from_thread``)."""
    _request_thread.loop = loop


def serving_loop() -> asyncio.AbstractEventLoop | None:
    """The server loop this thread serves requests for, if it is one of its request threads."""
    loop = _request_thread.loop
    return loop if loop is not None and loop.is_running() else None


def submit_from_thread(
    loop: asyncio.AbstractEventLoop, workshop_id: int, submission: Submission
) -> Outcome:
    """Queue ``submission`` with ``loop``'s writer from another thread and wait for its
    outcome, after the commit; the writer publishes it."""

    async def queued() -> Outcome:
        return await writer().submit(workshop_id, submission)

    return asyncio.run_coroutine_threadsafe(queued(), loop).result()
