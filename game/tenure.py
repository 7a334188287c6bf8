"""How long a socket may act for someone: until it fails to say hello in time, its seat holds
too many sockets, or (a facilitator's) the right to drive the room is gone.

Each limit ends the same way: the socket stops acting at once, then tells the client why and
closes (``cut``). The limits live in this process's memory and cost nothing per message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from game.core.refusals import ErrorCode, sentence
from game.identity import facilitator
from game.ratelimit import Seat, message_bucket, sockets
from game.rights import watchers

# Messages refused for rate in a row before the connection is closed (policy violation).
FLOOD_CLOSE_AFTER = 200
Cut = Callable[[ErrorCode, str, int], None]  # (code, sentence, close code)
NOT_A_FACILITATOR = sentence(ErrorCode.AUTH_FAILED, role="facilitator")


class Tenure:
    def __init__(self, cut: Cut) -> None:
        self.cut = cut
        self.bucket = message_bucket()  # until hello: then the seat's, shared by its sockets
        self.refused_in_a_row = 0
        self.helloed = False
        self.helloing = False  # a hello is being handled
        self.hello_timer: asyncio.TimerHandle | None = None
        self.seat: Seat | None = None
        self.workshop_id: int | None = None
        self.user_pk: int | None = None  # a facilitator's, while their right is watched
        self.session_key: str | None = None
        self.rights_changed = asyncio.Event()
        self.rights_watch: asyncio.Task | None = None

    def admits(self) -> bool | None:
        """Whether a frame may be handled now (the seat's rate); None once the client has
        kept sending over the rate for ``FLOOD_CLOSE_AFTER`` frames in a row."""
        if self.bucket.take():
            self.refused_in_a_row = 0
            return True
        self.refused_in_a_row += 1
        return None if self.refused_in_a_row > FLOOD_CLOSE_AFTER else False

    def expect_hello(self) -> None:
        self.hello_timer = asyncio.get_running_loop().call_later(
            settings.UPSERVE_HELLO_SECONDS, self._hello_overdue
        )

    def _hello_overdue(self) -> None:
        if self.helloing:
            # Its hello came in time and is waiting for the database (a reconnect storm after
            # a restart): look again later, in case it fails.
            self.expect_hello()
            return
        self.hello_timer = None
        if not self.helloed:
            seconds = f"{settings.UPSERVE_HELLO_SECONDS:g}"
            self.cut(
                ErrorCode.HELLO_TIMEOUT, sentence(ErrorCode.HELLO_TIMEOUT, seconds=seconds), 4408
            )

    def sit(self, seat: Seat, socket) -> None:
        """Count the helloed socket in its seat; the seat's oldest sockets beyond the cap go (a
        phone that switched networks leaves a half-open socket behind)."""
        self.helloed = True
        if self.hello_timer is not None:
            self.hello_timer.cancel()
            self.hello_timer = None
        self.seat = seat
        self.bucket, crowded = sockets.sit(seat, socket)
        for oldest in crowded:
            oldest.tenure.cut(ErrorCode.REPLACED, sentence(ErrorCode.REPLACED), 4409)

    def watch_rights(self, user_pk: int, session_key: str | None, workshop_id: int) -> None:
        self.user_pk, self.session_key, self.workshop_id = user_pk, session_key, workshop_id
        watchers.add(user_pk, self)
        self.rights_watch = asyncio.ensure_future(self._keep_checking_rights())

    def rights_may_have_changed(self, session: str | None) -> None:
        """Called by game.rights: this facilitator's right may be gone (``session`` logged out)."""
        if not self.helloed:
            return
        if session is not None and session == self.session_key:
            self.cut(ErrorCode.AUTH_FAILED, NOT_A_FACILITATOR, 4401)
        else:
            self.rights_changed.set()

    async def _keep_checking_rights(self) -> None:
        while self.helloed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.rights_changed.wait(), settings.UPSERVE_RIGHTS_SECONDS)
            self.rights_changed.clear()
            try:
                user = await database_sync_to_async(facilitator)(self.session_key, self.workshop_id)
            except DatabaseError:
                continue  # cannot tell now: ask again next time rather than cut on a hiccup
            if user is None or user.pk != self.user_pk:
                self.cut(ErrorCode.AUTH_FAILED, NOT_A_FACILITATOR, 4401)
                return

    def end(self, socket) -> None:
        """The socket acts for nobody any more: out of its seat, its right no longer watched."""
        self.helloed = False
        if self.hello_timer is not None:
            self.hello_timer.cancel()
            self.hello_timer = None
        if self.seat is not None:
            sockets.leave(self.seat, socket)
            self.seat = None
        if self.user_pk is not None:
            watchers.remove(self.user_pk, self)
            self.user_pk = None
        if self.rights_watch is not None:
            self.rights_watch.cancel()
