"""Redis between server processes: one subscription per process and workshop in use.

A commit is published once per *process* that serves the workshop, not once per socket; each
process hands it to its room. A broadcast is only a hint: a room fills what it lost from the log,
and after an outage the bus resubscribes and asks every room to heal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from django.conf import settings

from game.store import Logged

log = logging.getLogger(__name__)


def channel(workshop_id: int) -> str:
    return f"upserve:workshop:{workshop_id}"


def encode(logged: list[Logged]) -> str:
    return json.dumps([x.as_wire() for x in logged], separators=(",", ":"))


def decode(data: bytes) -> list[Logged]:
    return [Logged.from_wire(m) for m in json.loads(data)]


class Bus:
    def __init__(
        self,
        deliver: Callable[[int, list[Logged]], None],
        heal: Callable[[], Awaitable[None]],
    ) -> None:
        self.deliver = deliver  # hands a broadcast to this process's room
        self.heal = heal  # after an outage: every room reads what it missed from the log
        self.workshops: set[int] = set()  # those this process has sockets for
        self.client = None
        self.pubsub = None
        self.listener: asyncio.Task | None = None

    @property
    def enabled(self) -> bool:
        return bool(settings.REDIS_URL)

    def redis(self):
        if self.client is None:
            import redis.asyncio as aioredis

            self.client = aioredis.Redis.from_url(settings.REDIS_URL, health_check_interval=10)
        return self.client

    async def publish(self, workshop_id: int, logged: list[Logged]) -> bool:
        """True if Redis took it (every process, this one included, will hear it back)."""
        try:
            await self.redis().publish(channel(workshop_id), encode(logged))
            return True
        except Exception:
            log.exception("Redis publish failed; delivering to this process only")
            return False

    def publish_from_thread(self, workshop_id: int, logged: list[Logged]) -> bool:
        """``publish`` from code that has no event loop (a management command)."""
        import redis

        try:
            with redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2) as client:
                client.publish(channel(workshop_id), encode(logged))
            return True
        except Exception:
            log.exception("Redis publish failed")
            return False

    async def subscribe(self, workshop_id: int) -> None:
        self.workshops.add(workshop_id)
        if self.pubsub is None:
            self.pubsub = self.redis().pubsub(ignore_subscribe_messages=True)
        try:
            await self.pubsub.subscribe(channel(workshop_id))
        except Exception:
            log.warning("Redis subscribe failed; the listener will retry")
        if self.listener is None or self.listener.done():
            self.listener = asyncio.get_running_loop().create_task(self._listen())

    async def unsubscribe(self, workshop_id: int) -> None:
        self.workshops.discard(workshop_id)
        if self.pubsub is not None:
            try:
                await self.pubsub.unsubscribe(channel(workshop_id))
            except Exception:
                log.warning("could not unsubscribe from the room of workshop id %s", workshop_id)

    async def _listen(self) -> None:
        backoff = 0.2
        while self.workshops:
            try:
                if not self.pubsub.subscribed:
                    await self.pubsub.subscribe(*(channel(w) for w in self.workshops))
                    await self.heal()
                message = await self.pubsub.get_message(timeout=1.0)
                backoff = 0.2
                if message and message["type"] == "message":
                    workshop_id = int(message["channel"].decode().rsplit(":", 1)[1])
                    self.deliver(workshop_id, decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; retrying in %.1f s", backoff)
                old, self.pubsub = self.pubsub, self.redis().pubsub(ignore_subscribe_messages=True)
                with contextlib.suppress(Exception):
                    await old.aclose()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
        with contextlib.suppress(Exception):
            if self.pubsub is not None:
                await self.pubsub.aclose()
        self.__init__(self.deliver, self.heal)
