"""Fan-out of recorded events to the sockets of a workshop.

A process keeps its own room of subscribers per workshop. Publishing sends a batch once per
*process* (Redis pub/sub, one subscription per process and workshop) instead of once per socket,
and each process hands it to its sockets. Tallies are coalesced: vote and move events wait up to
``UPSERVE_TALLY_SECONDS`` for screens and consoles, and up to ``UPSERVE_PHONE_TALLY_SECONDS`` for
phones, which show no live tally (a vote storm is then one frame a second per phone, not five),
while phase changes go to everyone at once; with thousands of phones on a process, their cadence
slows so that it writes at most ``UPSERVE_PHONE_FRAMES_PER_SECOND`` tally frames. A batch
(game/batch.py) encodes each version of its events once, shared by every socket that sees that
version. A broadcast is still only a hint: sockets fill gaps from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings

from game import store
from game.batch import Batch
from game.core import events as e
from game.core.model import Role
from game.core.visibility import Viewer
from game.store import Logged

log = logging.getLogger(__name__)
COALESCED = frozenset({e.VOTE_CAST, e.MOVE_SAVED})
FAN_OUT_SLICE = 250
# Seconds a lane waits for an event missing from a broadcast before reading it from the log.
GAP_GRACE = 0.25
# Each lane of a room flushes on its own cadence: phones, and everyone else.
PHONES, DISPLAYS = "phones", "displays"
LANES = (DISPLAYS, PHONES)


def lane_of(subscriber: Subscriber) -> str:
    viewer = subscriber.viewer
    return PHONES if viewer is not None and viewer.role is Role.PARTICIPANT else DISPLAYS


def _interval(lane: str, sockets: int) -> float:
    """How often a lane may hear coalesced events, when this process holds ``sockets`` phones
    in all. With thousands of phones (in one room or in many), phones hear a vote storm less
    often, so that the process writes them at most ``UPSERVE_PHONE_FRAMES_PER_SECOND`` tally
    frames a second: each is a write to a socket, the main cost of a vote storm, and phones
    show no live tally (a teammate's edit of the move may then take a few seconds)."""
    if lane == PHONES:
        spread = sockets / settings.UPSERVE_PHONE_FRAMES_PER_SECOND
        return max(settings.UPSERVE_PHONE_TALLY_SECONDS, spread)
    return settings.UPSERVE_TALLY_SECONDS


class Subscriber(Protocol):
    viewer: Viewer | None
    last_sent: int

    def receive_batch(self, batch: Batch) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.rooms: dict[int, set[Subscriber]] = defaultdict(set)
        # The same sockets by (workshop id, lane), in the order they came: a screen's lane
        # flushes fifty times a second and must not sift through 2,000 phones each time.
        self.lanes: dict[tuple[int, str], dict[Subscriber, None]] = defaultdict(dict)
        self.phones = 0  # sockets in every room's phone lane
        # Keyed by (workshop id, lane).
        self.pending: dict[tuple[int, str], dict[int, Logged]] = defaultdict(dict)
        self.flushes: dict[tuple[int, str], tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle]]
        self.flushes = {}
        self.flushed_at: dict[tuple[int, str], float] = {}
        self.latest: dict[int, int] = {}  # the highest seq this process has heard of
        # Per (workshop id, lane): the last seq handed out, and a pending read of a hole.
        self.handed: dict[tuple[int, str], int] = {}
        self.filling: dict[tuple[int, str], asyncio.Task] = {}
        # A batch still being handed out slice by slice, per (workshop id, lane).
        self.fanning: dict[tuple[int, str], tuple[Batch, list, asyncio.Handle]] = {}
        self.redis = None
        self.pubsub = None
        self.listener: asyncio.Task | None = None

    # -- membership ------------------------------------------------------------------------

    async def subscribe(
        self, workshop_id: int, subscriber: Subscriber, lane: str | None = None
    ) -> None:
        """Add a socket to its workshop's room, in ``lane`` (by default, its viewer's)."""
        first = not self.rooms[workshop_id]
        self.rooms[workshop_id].add(subscriber)
        lane = lane or lane_of(subscriber)
        members = self.lanes[(workshop_id, lane)]
        if subscriber not in members:
            members[subscriber] = None
            self.phones += lane == PHONES
        if first and settings.REDIS_URL:
            await self._redis_subscribe(workshop_id)

    async def unsubscribe(self, workshop_id: int, subscriber: Subscriber) -> None:
        room = self.rooms.get(workshop_id)
        if room is None:
            return
        room.discard(subscriber)
        for lane in LANES:
            members = self.lanes.get((workshop_id, lane))
            if members is not None and subscriber in members:
                del members[subscriber]
                self.phones -= lane == PHONES
                if not members:
                    del self.lanes[(workshop_id, lane)]
        if not room:
            del self.rooms[workshop_id]
            for lane in LANES:  # a later subscriber starts afresh, not from a stale hole
                self.handed.pop((workshop_id, lane), None)
                self.pending.pop((workshop_id, lane), None)
            if self.pubsub is not None:
                try:
                    await self.pubsub.unsubscribe(_channel(workshop_id))
                except Exception:
                    log.warning("could not unsubscribe from workshop %s", workshop_id)

    # -- publishing ------------------------------------------------------------------------

    async def publish(self, workshop_id: int, logged: list[Logged]) -> None:
        if settings.REDIS_URL:
            try:
                await self._redis().publish(_channel(workshop_id), _encode_batch(logged))
                return
            except Exception:
                log.exception("Redis publish failed; delivering to this process only")
        self.receive(workshop_id, logged)

    def receive(self, workshop_id: int, logged: list[Logged]) -> None:
        self.latest[workshop_id] = max(self.latest.get(workshop_id, 0), logged[-1].seq)
        if workshop_id not in self.rooms:
            return
        urgent = any(x.event.type not in COALESCED for x in logged)
        loop = asyncio.get_running_loop()
        for lane in LANES:
            key = (workshop_id, lane)
            pending = self.pending[key]
            for x in logged:
                pending[x.seq] = x
            # A throttle, not a delay: a quiet room hears each vote at once; a busy one at
            # most once per interval. Anything but a vote or a move goes at once.
            interval = _interval(lane, self.phones)
            wait = self.flushed_at.get(key, 0.0) + interval - loop.time()
            if wait <= 0 or urgent:
                self.flush(workshop_id, lane)
                continue
            scheduled = self.flushes.get(key)
            if scheduled is None or scheduled[0] is not loop:  # none yet, or a dead loop's
                handle = loop.call_later(wait, self.flush, workshop_id, lane)
                self.flushes[key] = (loop, handle)

    def delivery_bound(self, lane: str) -> float:
        """Seconds within which an event this process hears reaches every socket in ``lane``:
        the lane's cadence, a hole's grace, and a second to spare (at most five)."""
        return min(5.0, _interval(lane, self.phones) + GAP_GRACE + 1.0)

    def waiting(self, workshop_id: int, after: int) -> list[Logged]:
        """Events after ``after`` still held back by a lane's throttle, in seq order."""
        held: dict[int, Logged] = {}
        for lane in LANES:
            fanning = self.fanning.get((workshop_id, lane))
            if fanning is not None:
                held.update((x.seq, x) for x in fanning[0].logged)
            held.update(self.pending.get((workshop_id, lane), {}))
        return [held[seq] for seq in sorted(held) if seq > after]

    def flush(self, workshop_id: int, lane: str | None = None, despite_holes: bool = False) -> None:
        """Send what waits in ``lane`` (or in every lane) to the room's sockets in that lane; if
        events are missing in between, first wait for them a moment (see ``_fill``)."""
        if lane is None:
            for each in LANES:
                self.flush(workshop_id, each, despite_holes)
            return
        key = (workshop_id, lane)
        scheduled = self.flushes.pop(key, None)
        if scheduled is not None:
            scheduled[1].cancel()
        pending = self.pending.get(key)
        if not pending:
            return
        missing = self._missing(key, pending) if key in self.lanes else None
        if missing and not despite_holes:
            self._fill_soon(workshop_id, lane)
            return
        del self.pending[key]
        if not pending:  # all of it had already gone out
            return
        loop = asyncio.get_running_loop()
        self.flushed_at[key] = loop.time()
        self.finish_fan_out(key)  # the previous batch reaches everyone before this one
        batch = Batch([pending[seq] for seq in sorted(pending)])
        self.handed[key] = batch.last_seq
        self._fan_out(key, batch, list(self.lanes.get(key, ())))

    # -- holes -----------------------------------------------------------------------------
    # With several processes, two commits may reach this one out of order through Redis (each
    # publishes after its own commit). A lane that handed out a batch with a hole would send
    # every socket to read the log for it, one read each; instead the lane waits a moment for
    # the missing events, then reads them once for the whole room.

    def _missing(self, key: tuple[int, str], pending: dict[int, Logged]) -> tuple | None:
        """The (first, last) seqs missing before or among ``pending`` (dropping those this lane
        has already handed out), or None."""
        handed = self.handed.get(key)
        if handed is not None:
            for seq in [seq for seq in pending if seq <= handed]:
                del pending[seq]
        if not pending:
            return None
        first = min(pending) if handed is None else handed + 1
        if max(pending) - first + 1 == len(pending):
            return None
        missing = [seq for seq in range(first, max(pending)) if seq not in pending]
        return missing[0], missing[-1]

    def _fill_soon(self, workshop_id: int, lane: str) -> None:
        key = (workshop_id, lane)
        if key not in self.filling:
            self.filling[key] = asyncio.get_running_loop().create_task(
                self._fill(workshop_id, lane)
            )

    async def _fill(self, workshop_id: int, lane: str) -> None:
        key = (workshop_id, lane)
        await asyncio.sleep(GAP_GRACE)
        try:
            pending = self.pending.get(key)
            missing = self._missing(key, pending) if pending else None
            if missing:
                found = await database_sync_to_async(store.events_between)(workshop_id, *missing)
                for each in LANES:  # the other lane may be missing them too
                    pending = self.pending.get((workshop_id, each))
                    for x in found if pending is not None else ():
                        pending.setdefault(x.seq, x)
        except Exception:
            log.warning("could not read the events missing from workshop %s", workshop_id)
        finally:
            self.filling.pop(key, None)
        if workshop_id in self.rooms:
            # Whatever is still missing, sockets read for themselves rather than wait.
            self.flush(workshop_id, lane, despite_holes=True)

    def _fan_out(self, key: tuple[int, str], batch: Batch, subscribers: list) -> None:
        """Hand ``batch`` to a slice of the sockets, then yield to the loop before the next
        slice: acks and other rooms' work get in between, instead of waiting behind a whole
        room of 2,000 phones."""
        self.fanning.pop(key, None)
        for subscriber in subscribers[:FAN_OUT_SLICE]:
            subscriber.receive_batch(batch)
        rest = subscribers[FAN_OUT_SLICE:]
        if rest:
            handle = asyncio.get_running_loop().call_soon(self._fan_out, key, batch, rest)
            self.fanning[key] = (batch, rest, handle)

    def finish_fan_out(self, key: tuple[int, str]) -> None:
        fanning = self.fanning.pop(key, None)
        if fanning is not None:
            batch, rest, handle = fanning
            handle.cancel()
            for subscriber in rest:
                subscriber.receive_batch(batch)

    # -- Redis -----------------------------------------------------------------------------

    def _redis(self):
        if self.redis is None:
            import redis.asyncio as aioredis

            self.redis = aioredis.Redis.from_url(settings.REDIS_URL, health_check_interval=10)
        return self.redis

    async def _redis_subscribe(self, workshop_id: int) -> None:
        if self.pubsub is None:
            self.pubsub = self._redis().pubsub(ignore_subscribe_messages=True)
        try:
            await self.pubsub.subscribe(_channel(workshop_id))
        except Exception:
            log.warning("Redis subscribe failed; the listener will retry")
        if self.listener is None or self.listener.done():
            self.listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        """Read this process's subscriptions; after an outage, resubscribe and heal from the log."""
        backoff = 0.2
        while self.rooms:
            try:
                if not self.pubsub.subscribed:
                    await self.pubsub.subscribe(*(_channel(w) for w in self.rooms))
                    await self.heal_all()
                message = await self.pubsub.get_message(timeout=1.0)
                backoff = 0.2
                if message and message["type"] == "message":
                    workshop_id = int(message["channel"].decode().rsplit(":", 1)[1])
                    self.receive(workshop_id, _decode_batch(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; retrying in %.1f s", backoff)
                await self._reset_pubsub()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _reset_pubsub(self) -> None:
        old, self.pubsub = self.pubsub, self._redis().pubsub(ignore_subscribe_messages=True)
        with contextlib.suppress(Exception):
            await old.aclose()

    async def heal_all(self) -> None:
        for workshop_id in list(self.rooms):
            await self.heal(workshop_id)

    async def heal(self, workshop_id: int) -> None:
        """Deliver from the log whatever this process's sockets may have missed."""
        room = self.rooms.get(workshop_id)
        seen = [s.last_sent for s in room or () if s.viewer is not None]
        if not seen:
            return
        missed = await database_sync_to_async(store.events_after)(workshop_id, min(seen))
        if missed:
            self.receive(workshop_id, missed)
            self.flush(workshop_id)


def _channel(workshop_id: int) -> str:
    return f"upserve:workshop:{workshop_id}"


def _encode_batch(logged: list[Logged]) -> str:
    return json.dumps([x.as_wire() for x in logged], separators=(",", ":"))


def _decode_batch(data: bytes) -> list[Logged]:
    return [Logged.from_wire(m) for m in json.loads(data)]


hub = Hub()


async def publish(workshop_id: int, logged: list[Logged]) -> None:
    await hub.publish(workshop_id, logged)
