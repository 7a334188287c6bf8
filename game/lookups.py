"""Which workshop a room code opens, asked of the host once per code.

Room codes never change hands, so a process remembers the ones it has seen (the most recent
``REMEMBERED``): a reconnect storm then accepts sockets without a database read each, and one
read per code serves however many sockets ask at once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from channels.db import database_sync_to_async

from game.host import host

REMEMBERED = 10_000


class RoomCodes:
    def __init__(self) -> None:
        self.known: OrderedDict[str, int] = OrderedDict()
        self.asking: dict[str, asyncio.Future] = {}

    async def workshop_id(self, code: str) -> int | None:
        """The id of the workshop with room ``code``, or None."""
        known = self.known.get(code)
        if known is not None:
            self.known.move_to_end(code)
            return known
        asking = self.asking.get(code)
        if asking is None:
            asking = self.asking[code] = asyncio.ensure_future(self._ask(code))
        return await asyncio.shield(asking)

    async def _ask(self, code: str) -> int | None:
        try:
            workshop_id = await database_sync_to_async(host().workshop_id_for)(code)
        finally:
            self.asking.pop(code, None)
        if workshop_id is not None:
            self.known[code] = workshop_id
            if len(self.known) > REMEMBERED:
                self.known.popitem(last=False)
        return workshop_id


room_codes = RoomCodes()
