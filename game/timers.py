"""Phase deadlines. The server owns time: each process polls for workshops whose deadline has
passed and submits a CloseDuePhase; the row lock and the core's ``not_due`` refusal make two
processes firing at once harmless. Deadlines live in the database, so a restart loses none."""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from game import clock, service
from game.core.commands import CloseDuePhase
from game.core.model import SYSTEM
from game.models import Game

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5


def due_workshops(now: float) -> list[int]:
    return list(Game.objects.filter(deadline__lte=now).values_list("pk", flat=True))


async def close_due_phases(now: float | None = None) -> int:
    """One pass: close every phase whose deadline has passed. Returns how many moved on."""
    at = clock.now() if now is None else now
    closed = 0
    for workshop_id in await database_sync_to_async(due_workshops)(at):
        outcome = await service.asubmit(
            workshop_id=workshop_id, actor=SYSTEM, command=CloseDuePhase(), now=at
        )
        closed += int(outcome.ok)
    return closed


async def run_forever() -> None:
    while True:
        try:
            await close_due_phases()
        except Exception:
            log.exception("closing due phases failed; trying again")
        await asyncio.sleep(POLL_SECONDS)


class WithTimers:
    """ASGI wrapper that starts the deadline poller on the server's loop at the first connection
    (Daphne has no lifespan events); phones reconnecting after a restart start it again."""

    def __init__(self, app) -> None:
        self.app = app
        self.task: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(run_forever())
        return await self.app(scope, receive, send)
