"""What one socket is sent: each event of its room once, in seq order, as its viewer may see it.

The room's lanes hand every broadcast to each socket's outbox. An idle socket is sent to by the
loop's one hand-out task (game/delivery.py); a busy one, or one that must read the log, by a
task of its own, so that one slow socket never holds up the others. A batch's frames are shared
by every socket that sees the same version of it; a socket with a hole before the batch reads
the missing stretch from the log, the truth, rather than skip it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async

from game import store
from game.batch import Batch, frames
from game.core import events as e
from game.core.visibility import Viewer, concerns, team_after
from game.delivery import SendLock, hand_out
from game.room import Room
from game.rooms import rooms
from game.store import Logged

log = logging.getLogger(__name__)


class Outbox:
    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        removed: Callable[[], Awaitable[None]],
        broken: Callable[[], Awaitable[None]],
    ) -> None:
        self.send = send
        self.removed = removed  # told once this viewer's own removal has been sent
        self.broken = broken  # told when the room's events cannot be delivered
        self.room: Room | None = None
        self.lane = ""
        self.viewer: Viewer | None = None  # None: events pass this socket by
        self.last_sent = 0
        self.sending = SendLock()  # held while frames go out, so they never interleave
        self.handing = 0  # batches waiting for this socket in the hand-out queue
        self.deliveries: set[asyncio.Future] = set()
        # (seq, future) for each heartbeat waiting until this socket has been sent that far.
        self.waiters: list[tuple[int, asyncio.Future]] = []

    async def open(self, workshop_id: int, lane: str) -> Room:
        self.room = await rooms.subscribe(workshop_id, self, lane)
        self.lane = lane
        return self.room

    async def close(self) -> None:
        self.viewer = None
        if self.room is not None:
            room, self.room = self.room, None
            await rooms.unsubscribe(room, self)

    # -- broadcasts ------------------------------------------------------------------------------

    def receive_batch(self, batch: Batch) -> None:
        """From the room's lane, for every broadcast. A task per socket per broadcast was a
        tenth of a 2,000-phone room's work: an idle socket goes through the hand-out queue."""
        if self.handing or not (self.deliveries or self.sending.busy):
            hand_out.put(self, batch)
        else:
            self.deliver_later(batch)

    def deliver_later(self, batch: Batch) -> None:
        task = asyncio.ensure_future(self.deliver(batch))
        self.deliveries.add(task)
        task.add_done_callback(self.deliveries.discard)

    def sends_at_once(self, batch: Batch) -> bool:
        """Whether delivering ``batch`` now would wait on nothing: no other send under way, and
        its frames shared (or nothing to send)."""
        if self.deliveries or self.sending.busy:
            return False
        return self.viewer is None or batch.last_seq <= self.last_sent or self._shares(batch)

    def _shares(self, batch: Batch) -> bool:
        shared = batch.contiguous and batch.first_seq == self.last_sent + 1
        return shared and self.viewer.participant_id not in batch.regrouped

    async def deliver(self, batch: Batch) -> None:
        async with self.sending:
            if self.viewer is None or batch.last_seq <= self.last_sent:
                return
            try:
                if self._shares(batch):
                    await self._send_frames(batch.frames_for(self.viewer), batch.last_seq)
                else:
                    await self.send_logged(batch.logged)
            except Exception:
                # Cannot deliver (say, a gap the database cannot fill now): drop the socket;
                # the client resumes from its last seq, instead of silently missing events.
                log.exception("delivering to a socket failed")
                await self.broken()

    async def send_logged(self, logged: list[Logged]) -> None:
        """Send events after ``last_sent`` in seq order, exactly once, filling any gap from the
        log first. Call with ``sending`` held."""
        logged = [x for x in logged if x.seq > self.last_sent]
        if not logged:
            return
        if logged[-1].seq - self.last_sent != len(logged):
            # A hole before or inside: read the whole stretch from the log, the truth.
            logged = await database_sync_to_async(store.events_between)(
                self.room.id, self.last_sent + 1, logged[-1].seq
            )
        me = self.viewer.participant_id
        if me is None or not any(concerns(x.event, me) for x in logged):
            await self._send_frames(frames(logged, self.viewer), logged[-1].seq)
            return
        for x in logged:  # one by one: what this viewer may see changes as they go
            if self.viewer is None:
                return
            team = team_after(x.event, me, self.viewer.team_id)
            if team != self.viewer.team_id:
                self.viewer = Viewer(self.viewer.role, me, team)
            await self._send_frames(frames([x], self.viewer), x.seq)
            if isinstance(x.event, e.ParticipantRemoved) and x.event.participant == me:
                # The seat is gone on the server; this socket must not act for it any more.
                self.viewer = None
                await self.removed()

    async def _send_frames(self, texts: list[str], last_seq: int) -> None:
        for text in texts:
            await self.send(text)
        self.last_sent = last_seq
        for seq, waiter in self.waiters:
            if seq <= last_seq and not waiter.done():
                waiter.set_result(None)

    # -- heartbeats ------------------------------------------------------------------------------

    async def catch_up(self) -> int | None:
        """Make sure this socket has been sent every event the log has: the seq it is now up
        to. Events a broadcast is bringing are waited for (they come with everyone's, encoded
        once); only what a broadcast lost is read from the log. Reading the log for every
        heartbeat cost a 5,000-phone room most of its database thread while votes queued."""
        if self.viewer is None:
            return None
        room = self.room
        seq = max(await room.log_end(), room.latest)
        await self._sent_up_to(seq, room.delivery_bound(self.lane))
        async with self.sending:
            if self.viewer is not None and seq > self.last_sent:
                await self.send_logged(await self._events_up_to(seq))
        return seq

    async def _sent_up_to(self, seq: int, timeout: float) -> None:
        if self.last_sent >= seq:
            return
        waiter = (seq, asyncio.get_running_loop().create_future())
        self.waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter[1], timeout)
        except TimeoutError:
            pass
        finally:
            self.waiters.remove(waiter)

    async def _events_up_to(self, seq: int) -> list[Logged]:
        """The events after ``last_sent`` up to ``seq``: from the room when a lane is only
        holding them back, else from the log."""
        held = self.room.waiting(self.last_sent)
        if held and held[0].seq == self.last_sent + 1 and held[-1].seq >= seq:
            return held
        return await database_sync_to_async(store.events_between)(
            self.room.id, self.last_sent + 1, seq
        )
