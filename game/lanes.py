"""A room's lanes: which of its sockets hear its events, and on what cadence.

Phones form one lane of a room, screens and consoles the other. Tallies (votes, moves) are
coalesced: a lane flushes them at most once per interval, ``UPSERVE_TALLY_SECONDS`` for screens
and consoles and ``UPSERVE_PHONE_TALLY_SECONDS`` for phones, which show no live tally (a vote
storm is then one frame a second per phone, not five); with thousands of phones on a process
their cadence slows so that it writes at most ``UPSERVE_PHONE_FRAMES_PER_SECOND`` tally frames.
Anything else goes at once. A flush is one ``Batch`` (encoded once per audience) handed to the
lane's sockets a slice at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from django.conf import settings

from game.batch import Batch
from game.core import events as e
from game.core.visibility import Viewer
from game.store import Logged

log = logging.getLogger(__name__)
COALESCED = frozenset({e.VOTE_CAST, e.MOVE_SAVED})
FAN_OUT_SLICE = 250
# Seconds a lane waits for an event missing from a broadcast before reading it from the log.
GAP_GRACE = 0.25
PHONES, DISPLAYS = "phones", "displays"
LANES = (DISPLAYS, PHONES)


class Subscriber(Protocol):
    viewer: Viewer | None
    last_sent: int

    def receive_batch(self, batch: Batch) -> None: ...


def interval(lane: str, phones: int) -> float:
    """How often ``lane`` may hear coalesced events when this process holds ``phones`` phones
    in all (in one room or in many): each tally frame is a write to a socket, the main cost of
    a vote storm, so phones hear it less often as they grow (a teammate's edit of the move may
    then take a few seconds)."""
    if lane == PHONES:
        spread = phones / settings.UPSERVE_PHONE_FRAMES_PER_SECOND
        return max(settings.UPSERVE_PHONE_TALLY_SECONDS, spread)
    return settings.UPSERVE_TALLY_SECONDS


class Lane:
    """One lane of one room. Lives on the event loop; its room drops it with the last socket."""

    def __init__(self, name: str, phones: Callable[[], int], fill: Callable) -> None:
        self.name = name
        self.phones = phones  # this process's phones, for the cadence
        self.fill = fill  # reads the events missing between (first, last) into every lane
        self.members: dict[Subscriber, None] = {}  # in the order they came
        self.pending: dict[int, Logged] = {}
        self.scheduled: asyncio.TimerHandle | None = None
        self.flushed_at = 0.0
        self.handed: int | None = None  # the last seq handed out
        self.filling: asyncio.Task | None = None
        # A batch still being handed out slice by slice, and the sockets still to get it.
        self.fanning: tuple[Batch, list, asyncio.Handle] | None = None

    def receive(self, logged: list[Logged], urgent: bool) -> None:
        for x in logged:
            self.pending[x.seq] = x
        # A throttle, not a delay: a quiet room hears each vote at once; a busy one at most
        # once per interval.
        loop = asyncio.get_running_loop()
        wait = self.flushed_at + interval(self.name, self.phones()) - loop.time()
        if wait <= 0 or urgent:
            self.flush()
        elif self.scheduled is None:
            self.scheduled = loop.call_later(wait, self.flush)

    def flush(self, despite_holes: bool = False) -> None:
        """Hand out what waits; if events are missing in between, first wait for them a moment
        (see ``_fill``)."""
        if self.scheduled is not None:
            self.scheduled.cancel()
            self.scheduled = None
        if not self.pending:
            return
        missing = self.missing() if self.members else None
        if missing and not despite_holes:
            if self.filling is None:
                self.filling = asyncio.get_running_loop().create_task(self._fill())
            return
        pending, self.pending = self.pending, {}
        if not pending:  # all of it had already gone out
            return
        self.flushed_at = asyncio.get_running_loop().time()
        self.finish_fan_out()  # the previous batch reaches everyone before this one
        batch = Batch([pending[seq] for seq in sorted(pending)])
        self.handed = batch.last_seq
        self._fan_out(batch, list(self.members))

    def held(self) -> dict[int, Logged]:
        """Events this lane has heard but not yet handed to every socket."""
        held = dict(self.pending)
        if self.fanning is not None:
            held.update((x.seq, x) for x in self.fanning[0].logged)
        return held

    # -- holes ---------------------------------------------------------------------------------
    # With several processes, two commits may reach this one out of order through Redis (each
    # publishes after its own commit). A lane that handed out a batch with a hole would send
    # every socket to read the log for it, one read each; instead the lane waits a moment for
    # the missing events, then the room reads them once for all its lanes.

    def missing(self) -> tuple[int, int] | None:
        """The (first, last) seqs missing before or among the pending events (dropping those
        already handed out), or None."""
        if self.handed is not None:
            for seq in [seq for seq in self.pending if seq <= self.handed]:
                del self.pending[seq]
        if not self.pending:
            return None
        first = min(self.pending) if self.handed is None else self.handed + 1
        if max(self.pending) - first + 1 == len(self.pending):
            return None
        gaps = [seq for seq in range(first, max(self.pending)) if seq not in self.pending]
        return gaps[0], gaps[-1]

    async def _fill(self) -> None:
        await asyncio.sleep(GAP_GRACE)
        try:
            missing = self.missing()
            if missing:
                await self.fill(*missing)
        except Exception:
            log.warning("could not read the events missing from a room's broadcast")
        finally:
            self.filling = None
        if self.members:
            # Whatever is still missing, sockets read for themselves rather than wait.
            self.flush(despite_holes=True)

    # -- slices --------------------------------------------------------------------------------

    def _fan_out(self, batch: Batch, subscribers: list) -> None:
        """Hand ``batch`` to a slice of the sockets, then yield to the loop before the next
        slice: acks and other rooms' work get in between, instead of waiting behind a whole
        room of 2,000 phones."""
        self.fanning = None
        for subscriber in subscribers[:FAN_OUT_SLICE]:
            subscriber.receive_batch(batch)
        rest = subscribers[FAN_OUT_SLICE:]
        if rest:
            handle = asyncio.get_running_loop().call_soon(self._fan_out, batch, rest)
            self.fanning = (batch, rest, handle)

    def finish_fan_out(self) -> None:
        if self.fanning is not None:
            batch, rest, handle = self.fanning
            self.fanning = None
            handle.cancel()
            for subscriber in rest:
                subscriber.receive_batch(batch)

    def close(self) -> None:
        """Stop everything this lane has scheduled: its room is being dropped."""
        if self.scheduled is not None:
            self.scheduled.cancel()
        if self.filling is not None:
            self.filling.cancel()
        if self.fanning is not None:
            self.fanning[2].cancel()
        self.__init__(self.name, self.phones, self.fill)
