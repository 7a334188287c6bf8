"""One workshop on this process: its fold, its sockets and what it is sending them.

A room is made when something on this process first needs the workshop (a socket's hello, a
page, a command) and dropped by ``game.rooms`` once its last socket has left and nothing is
pending, so a process that served a thousand workshops holds only the ones still in use.

Two kinds of callers share it. Threads (pages in request threads, the group commit in the
database thread) use the fold under ``lock``. The event loop owns the rest: the lanes that
deliver events, the room's view of how far the log has gone, the shared snapshot frame.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from channels.db import database_sync_to_async
from django.conf import settings

from game import store
from game.core.evolve import evolve
from game.core.model import State
from game.lanes import COALESCED, GAP_GRACE, LANES, PHONES, Lane, Subscriber, interval
from game.models import Game
from game.store import Logged


def log_end(workshop_id: int) -> int:
    """How far the workshop's log has gone, as its game row says."""
    return Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)


class Room:
    def __init__(self, workshop_id: int, phones: Callable[[], int]) -> None:
        self.id = workshop_id
        # The fold: views run in request threads and commits in the database thread, so whoever
        # catches it up, decides on it or reads it holds ``lock``. A committer takes it only once
        # it holds the game row in the database (see game.commit), and whoever holds it never
        # waits for a row lock, so the two kinds of lock cannot deadlock.
        self.lock = threading.RLock()
        self.state = State()
        # Who keeps the room alive (see ``idle``): threads reading or committing, and commands
        # queued for the writer. Counted by game.rooms.
        self.users = 0
        self.queued = 0
        self.used_at = 0.0  # when it was last let go (time.monotonic), for the linger
        self.lanes = {name: Lane(name, phones, self._fill) for name in LANES}
        self.latest = 0  # the highest seq this process has heard of
        # The log's end as the database had it a moment ago, for heartbeats (see ``log_end``).
        self.known_end: tuple[float, int] | None = None
        self.reading_end: asyncio.Future | None = None
        # The shared part of the latest snapshot, encoded once (see game.catchup).
        self.public_frame: tuple[State, int, str] | None = None

    # -- the fold (any thread, holding ``lock``) -------------------------------------------------

    def caught_up(self, last_seq: int) -> State:
        """The workshop's state at ``last_seq``: the fold plus the log's tail."""
        if self.state.seq > last_seq:  # the log was replaced behind our back (an import)
            self.state = State()
        if self.state.seq < last_seq:
            for x in store.events_after(self.id, self.state.seq):
                evolve(self.state, x.event, x.seq)
        return self.state

    def current(self) -> State:
        """The workshop's state now: the fold caught up to the game row's ``last_seq``."""
        return self.caught_up(log_end(self.id))

    def forget_fold(self) -> None:
        """The fold may hold events that never committed: fold the log again next time."""
        with self.lock:
            self.state = State()
            self.public_frame = None

    # -- sockets (event loop) ------------------------------------------------------------------

    @property
    def members(self) -> list[Subscriber]:
        return [s for lane in self.lanes.values() for s in lane.members]

    def has_members(self) -> bool:
        return any(lane.members for lane in self.lanes.values())

    def idle(self) -> bool:
        return not self.has_members() and not self.users and not self.queued

    def join(self, subscriber: Subscriber, lane: str) -> bool:
        """Add a socket to ``lane``; True if it is a new phone."""
        members = self.lanes[lane].members
        new = subscriber not in members
        members[subscriber] = None
        return new and lane == PHONES

    def leave(self, subscriber: Subscriber) -> bool:
        """Remove a socket; True if it was a phone."""
        for lane in self.lanes.values():
            if subscriber in lane.members:
                del lane.members[subscriber]
                if not self.has_members():
                    for each in self.lanes.values():  # a later socket starts afresh
                        each.close()
                return lane.name == PHONES
        return False

    def receive(self, logged: list[Logged]) -> None:
        """Events this process has heard of (its own commits, or another's through Redis)."""
        self.latest = max(self.latest, logged[-1].seq)
        if not self.has_members():
            return
        urgent = any(x.event.type not in COALESCED for x in logged)
        for lane in self.lanes.values():
            lane.receive(logged, urgent)

    def flush(self) -> None:
        for lane in self.lanes.values():
            lane.flush()

    def waiting(self, after: int) -> list[Logged]:
        """Events after ``after`` still held back by a lane, in seq order."""
        held: dict[int, Logged] = {}
        for lane in self.lanes.values():
            held.update(lane.held())
        return [held[seq] for seq in sorted(held) if seq > after]

    def delivery_bound(self, lane: str) -> float:
        """Seconds within which an event this process hears reaches every socket in ``lane``:
        the lane's cadence, a hole's grace, and a second to spare (at most five)."""
        return min(5.0, interval(lane, self.lanes[lane].phones()) + GAP_GRACE + 1.0)

    async def _fill(self, first: int, last: int) -> None:
        """Read events missing from the broadcast once, for every lane."""
        found = await database_sync_to_async(store.events_between)(self.id, first, last)
        for lane in self.lanes.values():
            for x in found:
                lane.pending.setdefault(x.seq, x)

    async def heal(self) -> None:
        """Hand out from the log whatever this room's sockets may have missed (after Redis
        came back)."""
        seen = [s.last_sent for s in self.members if s.viewer is not None]
        if not seen:
            return
        missed = await database_sync_to_async(store.events_after)(self.id, min(seen))
        if missed:
            self.receive(missed)
            self.flush()

    async def log_end(self) -> int:
        """How far the log has gone, as the database had it a moment ago: a room of 2,000
        phones pings 80 times a second, and a read each would queue on the one database thread
        ahead of the votes. Concurrent reads share one query. With one process (no Redis) every
        event passes through this room, which heartbeats also consult, so the database is only
        a rare check for writers from outside (a management command); with several, it is how
        a lost broadcast is noticed within a second."""
        loop = asyncio.get_running_loop()
        max_age = 1.0 if settings.REDIS_URL else 5.0
        if self.known_end is not None and loop.time() - self.known_end[0] < max_age:
            return self.known_end[1]
        if self.reading_end is None:
            self.reading_end = loop.create_task(self._read_end(loop.time()))
        return await asyncio.shield(self.reading_end)

    async def _read_end(self, started: float) -> int:
        try:
            seq = await database_sync_to_async(log_end)(self.id)
        finally:
            self.reading_end = None
        self.known_end = (started, seq)
        return seq

    def forget_end(self) -> None:
        """After a database error: the next heartbeat must ask the database again."""
        self.known_end = None
