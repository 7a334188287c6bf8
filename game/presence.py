"""Who is connected right now, for the facilitator's roster.

Presence is not game state: it is not in the event log and is never replayed. Each process knows
its own sockets (its rooms'); with Redis, each process also writes its own set of online
participants into one hash per workshop, and a facilitator reads the union. An entry a process
has not refreshed for ``STALE_SECONDS`` (it crashed) no longer counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets

from django.conf import settings

from game import clock
from game.rooms import rooms

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0
STALE_SECONDS = 15.0


def local_online(workshop_id: int) -> frozenset[str]:
    """Participants with a live, helloed socket on this process."""
    room = rooms.find(workshop_id)
    return frozenset(
        s.viewer.participant_id
        for s in (room.members if room is not None else ())
        if s.viewer is not None and s.viewer.participant_id is not None
    )


class Registry:
    """This process's share of presence in Redis, kept current by one background task."""

    def __init__(self) -> None:
        self.process = secrets.token_hex(6)
        self.written: dict[int, tuple[frozenset[str], float]] = {}
        self.task: asyncio.Task | None = None

    def ensure_running(self) -> None:
        if not settings.REDIS_URL:
            return
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._keep_current())

    async def online(self, workshop_id: int) -> frozenset[str]:
        here = local_online(workshop_id)
        if not settings.REDIS_URL:
            return here
        try:
            entries = await rooms.bus.redis().hgetall(_key(workshop_id))
        except Exception:
            log.warning("presence: Redis unreachable; showing this process's phones only")
            return here
        now = clock.now()
        union = set(here)
        for field, value in entries.items():
            if field.decode() == self.process:
                continue
            entry = json.loads(value)
            if now - entry["at"] < STALE_SECONDS:
                union.update(entry["online"])
        return frozenset(union)

    async def _keep_current(self) -> None:
        while True:
            await asyncio.sleep(settings.UPSERVE_PRESENCE_SECONDS)
            with contextlib.suppress(Exception):
                await self._write_changes()

    async def _write_changes(self) -> None:
        now = clock.now()
        pipe = rooms.bus.redis().pipeline(transaction=False)
        changed = False
        for workshop_id in set(self.written) | {r.id for r in rooms if r.has_members()}:
            online = local_online(workshop_id)
            last = self.written.get(workshop_id)
            if last is not None and last[0] == online and now - last[1] < REFRESH_SECONDS:
                continue
            changed = True
            if online:
                entry = json.dumps({"online": sorted(online), "at": now})
                pipe.hset(_key(workshop_id), self.process, entry)
                pipe.expire(_key(workshop_id), int(STALE_SECONDS * 4))
                self.written[workshop_id] = (online, now)
            else:
                pipe.hdel(_key(workshop_id), self.process)
                self.written.pop(workshop_id, None)
        if changed:
            await pipe.execute()


def _key(workshop_id: int) -> str:
    return f"upserve:presence:{workshop_id}"


registry = Registry()


async def watch(workshop_id: int, send) -> None:
    """Send ``{"type": "presence", "online": [...]}`` now and whenever the set changes; runs
    until cancelled (the facilitator's socket closes)."""
    registry.ensure_running()
    last: frozenset[str] | None = None
    while True:
        online = await registry.online(workshop_id)
        if online != last:
            await send({"type": "presence", "online": sorted(online)})
            last = online
        await asyncio.sleep(settings.UPSERVE_PRESENCE_SECONDS)
