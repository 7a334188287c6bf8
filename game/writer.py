"""Group commit: one writer task per workshop per process.

Commands arriving while a transaction is running wait and go together in the next one, so a
burst of votes costs a few transactions rather than one each. Every command is still
acknowledged only after the transaction holding it has committed.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from game import fanout, service
from game.service import Outcome, Submission

log = logging.getLogger(__name__)
MAX_BATCH = 500

_writers: dict[int, WorkshopWriter] = {}


class WorkshopWriter:
    def __init__(self, workshop_id: int) -> None:
        self.workshop_id = workshop_id
        self.queue: list[tuple[Submission, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def submit(self, submission: Submission) -> Outcome:
        future = asyncio.get_running_loop().create_future()
        self.queue.append((submission, future))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self.queue:
            batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
            try:
                outcomes = await database_sync_to_async(service.submit_batch)(
                    self.workshop_id, [submission for submission, _ in batch]
                )
            except Exception as problem:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(problem)
                continue
            # Committed: acknowledge first, so the acks queue ahead of the broadcast's work.
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
            logged = [x for o in outcomes if o.ok and not o.duplicate for x in o.logged]
            if logged:
                try:
                    await fanout.publish(self.workshop_id, logged)
                except Exception:
                    # Committed all the same: receivers heal the gap from the log.
                    log.exception("publishing workshop %s failed", self.workshop_id)


def writer_for(workshop_id: int) -> WorkshopWriter:
    writer = _writers.get(workshop_id)
    if writer is None:
        writer = _writers[workshop_id] = WorkshopWriter(workshop_id)
    return writer
