"""The server loop's writer: commands queue here and go to the database together.

Commands arriving while a transaction is running wait and go together in the next one, so a
burst of votes costs a few transactions rather than one each, and a hundred small rooms voting
at once share them too (one trip to the database thread, one commit). Each command is answered
only after the transaction holding it has committed, then its events are published.

Pages served under the server queue their commands here too, from their request threads (see
``serve_from``): a rush of 2,000 joins then shares transactions with each other and with the
votes, rather than queueing one by one for the workshop's lock.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections import defaultdict

from channels.db import database_sync_to_async

from game.commit import Outcome, Submission, commit
from game.room import Room
from game.rooms import rooms

log = logging.getLogger(__name__)
MAX_BATCH = 500

Queued = tuple[Room, Submission, asyncio.Future]


class Writer:
    def __init__(self) -> None:
        self.queue: list[Queued] = []
        self.task: asyncio.Task | None = None

    async def submit(self, workshop_id: int, submission: Submission) -> Outcome:
        room = rooms.queued(workshop_id)  # kept while its command waits
        try:
            future = asyncio.get_running_loop().create_future()
            self.queue.append((room, submission, future))
            if self.task is None or self.task.done():
                # In a context of its own: started from a request thread's call, the task would
                # otherwise inherit that call's context, and asgiref would run the database work
                # of every later batch in that (by then departed) thread.
                self.task = asyncio.get_running_loop().create_task(
                    self._drain(), context=contextvars.Context()
                )
            return await future
        finally:
            rooms.done(room)

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            by_room: dict[int, list[Queued]] = defaultdict(list)
            for queued in batch:
                by_room[queued[0].id].append(queued)
            results = await database_sync_to_async(commit)(
                {w: [sub for _, sub, _ in queued] for w, queued in by_room.items()}
            )
            # Committed: acknowledge first, so the acks queue ahead of the broadcasts' work. A
            # room that failed fails its own commands only.
            for workshop_id, queued in by_room.items():
                outcomes = results[workshop_id]
                for n, (_, _, future) in enumerate(queued):
                    if future.done():
                        continue
                    if isinstance(outcomes, Exception):
                        future.set_exception(outcomes)
                    else:
                        future.set_result(outcomes[n])
            for workshop_id, outcomes in results.items():
                if not isinstance(outcomes, Exception):
                    await publish(workshop_id, outcomes)


async def publish(workshop_id: int, outcomes: list[Outcome]) -> None:
    logged = [x for o in outcomes if o.ok and not o.duplicate for x in o.logged]
    if not logged:
        return
    try:
        await rooms.publish(workshop_id, logged)
    except Exception:
        # Committed all the same: receivers heal the gap from the log.
        log.exception("publishing workshop %s failed", workshop_id)


writer = Writer()


class _RequestThread(threading.local):
    serving: asyncio.AbstractEventLoop | None = None


_thread = _RequestThread()


def serve_from(loop: asyncio.AbstractEventLoop) -> None:
    """Mark the calling thread as serving requests for the server running ``loop``, so that its
    writes go through that loop's writer (see ``submit_from_thread``)."""
    _thread.serving = loop


def serving_loop() -> asyncio.AbstractEventLoop | None:
    """The server loop this thread serves requests for, if it is one of its request threads."""
    loop = _thread.serving
    return loop if loop is not None and loop.is_running() else None


def submit_from_thread(
    loop: asyncio.AbstractEventLoop, workshop_id: int, submission: Submission
) -> Outcome:
    """Queue ``submission`` with ``loop``'s writer from another thread and wait for its
    outcome, after the commit; the writer publishes it."""

    async def queued() -> Outcome:
        return await writer.submit(workshop_id, submission)

    return asyncio.run_coroutine_threadsafe(queued(), loop).result()
