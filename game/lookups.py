"""What every socket asks of the database over and over, asked once: which workshop a room
code opens, and how far a workshop's log has gone."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from django.conf import settings

from game.host import host
from game.models import Game


def _last_seq(workshop_id: int) -> int:
    return Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)


class LastSeqs:
    """The workshops' last seqs as the database had them a moment ago, for heartbeats: a room
    of 2,000 phones pings 80 times a second, and each read would queue on the one database
    thread ahead of the votes. Concurrent reads of one workshop share one query. With one
    process (no Redis) every event passes through this process's hub, which heartbeats also
    consult, so the database is only a rare check for writers from outside (a management
    command); with several, it is how a lost broadcast is noticed within a second."""

    @property
    def max_age(self) -> float:
        return 1.0 if settings.REDIS_URL else 5.0

    def __init__(self) -> None:
        self.known: dict[int, tuple[float, int]] = {}
        self.reading: dict[int, asyncio.Future] = {}

    async def get(self, workshop_id: int) -> int:
        loop = asyncio.get_running_loop()
        known = self.known.get(workshop_id)
        if known is not None and loop.time() - known[0] < self.max_age:
            return known[1]
        read = self.reading.get(workshop_id)
        if read is None or read.get_loop() is not loop:
            read = self.reading[workshop_id] = loop.create_task(self._read(workshop_id))
        return await asyncio.shield(read)

    async def _read(self, workshop_id: int) -> int:
        started = asyncio.get_running_loop().time()
        try:
            seq = await database_sync_to_async(_last_seq)(workshop_id)
        finally:
            self.reading.pop(workshop_id, None)
        self.known[workshop_id] = (started, seq)
        return seq

    def forget(self) -> None:
        """After a database error: the next heartbeat must ask the database again."""
        self.known.clear()


last_seqs = LastSeqs()

# Room codes never change hands, so a process remembers the ones it has seen: a reconnect storm
# then accepts sockets without a database read each.
_workshop_ids: dict[str, int] = {}


_lookups: dict[str, asyncio.Future] = {}


async def workshop_id_for(code: str) -> int | None:
    """The id of the workshop with room ``code``, or None."""
    return _workshop_ids.get(code) or await _look_up_once(code)


async def _look_up_once(code: str) -> int | None:
    """One database read per room code however many sockets ask at once (a storm of
    reconnects after a restart, when the cache is empty, would queue one read each)."""
    lookup = _lookups.get(code)
    if lookup is None or lookup.get_loop() is not asyncio.get_running_loop():
        lookup = _lookups[code] = asyncio.ensure_future(database_sync_to_async(_workshop_id)(code))
        lookup.add_done_callback(lambda _: _lookups.pop(code, None))
    return await asyncio.shield(lookup)


def _workshop_id(code: str) -> int | None:
    workshop_id = _workshop_ids.get(code)
    if workshop_id is None:
        workshop_id = host().workshop_id_for(code)
        if workshop_id is not None:
            _workshop_ids[code] = workshop_id
    return workshop_id
