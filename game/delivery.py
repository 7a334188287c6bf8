"""Handing a room's broadcast to its sockets without a task per socket per broadcast."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Protocol

from game.batch import Batch

log = logging.getLogger(__name__)
# Sockets sent to before the hand-out lets the event loop run something else (an ack, the group
# commit's next step): a 2,500-phone lane in one go held the loop for a quarter of a second.
HAND_OUT_SLICE = 100


class SendLock(asyncio.Lock):
    """Held while a frame (or a run of frames) goes out on one socket, so they never interleave."""

    @property
    def busy(self) -> bool:
        """Held or waited for: taking it now could wait."""
        return self.locked() or bool(self._waiters)


class Receiver(Protocol):
    handing: int  # batches waiting for this socket in the hand-out queue

    def sends_at_once(self, batch: Batch) -> bool: ...

    def deliver_later(self, batch: Batch) -> None: ...

    async def deliver(self, batch: Batch) -> None:
        """Send ``batch`` (what this socket has not had of it), in order."""


class HandOut:
    """One task per event loop that sends each queued batch to its socket in turn. Sending to
    an idle socket never waits (Daphne writes to the transport at once), so the queue drains
    without a task per socket, a slice at a time; a socket that turns out busy is given a task
    of its own instead."""

    def __init__(self) -> None:
        self.queue: deque[tuple[Receiver, Batch]] = deque()
        self.task: asyncio.Task | None = None

    def put(self, consumer: Receiver, batch: Batch) -> None:
        consumer.handing += 1
        self.queue.append((consumer, batch))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        handed = 0
        while self.queue:
            handed += 1
            if handed % HAND_OUT_SLICE == 0:
                await asyncio.sleep(0)
            consumer, batch = self.queue.popleft()
            consumer.handing -= 1
            if not consumer.sends_at_once(batch):
                consumer.deliver_later(batch)
                continue
            try:
                await consumer.deliver(batch)
            except Exception:
                log.exception("handing a batch to a socket failed")


hand_out = HandOut()
