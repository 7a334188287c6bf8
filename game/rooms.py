"""This process's rooms: one per workshop in use, made on first use, dropped once idle.

A room is idle when no socket is in it, no command of it waits for the writer and no thread is
reading or committing on its fold. An idle room lingers ``UPSERVE_ROOM_LINGER_SECONDS`` (a phone
reloading its page should not fold the whole log again), then the next sweep drops it with
everything it held: the fold, the encoded snapshot, the lanes, the log's end.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from game.bus import Bus
from game.room import Room
from game.store import Logged


class Rooms:
    def __init__(self) -> None:
        self._rooms: dict[int, Room] = {}
        # Threads (pages, the database thread) and the event loop both come here; every change
        # to who keeps a room alive is made under this lock, so a sweep never drops a room that
        # someone is about to use.
        self._guard = threading.Lock()
        self._swept = 0.0
        self.phones = 0  # sockets in every room's phone lane, for the lanes' cadence
        self.bus = Bus(self.receive, self.heal_all)
        self.loop: asyncio.AbstractEventLoop | None = None  # the server's, once it serves

    def __len__(self) -> int:
        return len(self._rooms)

    def __iter__(self) -> Iterator[Room]:
        return iter(list(self._rooms.values()))

    def find(self, workshop_id: int) -> Room | None:
        return self._rooms.get(workshop_id)

    def _get(self, workshop_id: int) -> Room:
        room = self._rooms.get(workshop_id)
        if room is None:
            room = self._rooms[workshop_id] = Room(workshop_id, self._phones)
        room.used_at = time.monotonic()
        return room

    def _phones(self) -> int:
        return self.phones

    @contextmanager
    def using(self, workshop_id: int) -> Iterator[Room]:
        """The workshop's room, kept while the block reads or commits on its fold."""
        with self._guard:
            room = self._get(workshop_id)
            room.users += 1
        try:
            yield room
        finally:
            with self._guard:
                room.users -= 1
                room.used_at = time.monotonic()
            self.sweep()

    # -- on the event loop -----------------------------------------------------------------------

    def bind(self) -> None:
        """Note the server's loop: commits made in other threads are handed to it."""
        self.loop = asyncio.get_running_loop()

    def queued(self, workshop_id: int) -> Room:
        """The room of a command waiting for the writer, kept until ``done`` is called."""
        with self._guard:
            room = self._get(workshop_id)
            room.queued += 1
        return room

    def done(self, room: Room) -> None:
        with self._guard:
            room.queued -= 1
            room.used_at = time.monotonic()
        self.sweep()

    async def subscribe(self, workshop_id: int, subscriber, lane: str) -> Room:
        self.bind()
        with self._guard:
            room = self._get(workshop_id)
            first = not room.has_members()
            self.phones += room.join(subscriber, lane)
        if first and self.bus.enabled:
            await self.bus.subscribe(workshop_id)
        return room

    async def unsubscribe(self, room: Room, subscriber) -> None:
        with self._guard:
            self.phones -= room.leave(subscriber)
            empty = not room.has_members()
            room.used_at = time.monotonic()
        if empty and self.bus.enabled and self._rooms.get(room.id) is room:
            await self.bus.unsubscribe(room.id)
        self.sweep()

    def receive(self, workshop_id: int, logged: list[Logged]) -> None:
        room = self._rooms.get(workshop_id)
        if room is not None:
            room.receive(logged)

    async def publish(self, workshop_id: int, logged: list[Logged]) -> None:
        """Hand committed events to every process's room (with Redis), or to this one's."""
        if self.bus.enabled and await self.bus.publish(workshop_id, logged):
            return
        self.receive(workshop_id, logged)

    def publish_from_thread(self, workshop_id: int, logged: list[Logged]) -> None:
        """``publish`` for a commit made outside the server's loop (a management command, or a
        test): Redis if there is one, else this process's loop if it serves."""
        if self.bus.enabled and self.bus.publish_from_thread(workshop_id, logged):
            return
        loop = self.loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(self.receive, workshop_id, logged)

    async def heal_all(self) -> None:
        for room in list(self._rooms.values()):
            await room.heal()

    # -- lifecycle -------------------------------------------------------------------------------

    def sweep(self) -> None:
        """Drop the rooms idle for longer than the linger (at most once a second, unless the
        linger is shorter)."""
        linger = settings.UPSERVE_ROOM_LINGER_SECONDS
        now = time.monotonic()
        if now - self._swept < min(linger, 1.0):
            return
        with self._guard:
            self._swept = now
            for workshop_id, room in list(self._rooms.items()):
                if room.idle() and now - room.used_at >= linger:
                    del self._rooms[workshop_id]

    def reset(self) -> None:
        """Start afresh, as a new server process would (tests)."""
        self.__init__()


rooms = Rooms()
