"""The WebSocket consumer: decode, authorise once, call the service, reply. No game rules here.

A socket talks to its room (game/rooms.py) through its outbox (game/outbox.py), which delivers
the room's events; how long it may act for someone is its tenure's (game/tenure.py).
"""

from __future__ import annotations

import asyncio
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError

from game import clock, presence, protocol, service
from game.catchup import Welcome, resume
from game.commit import actor_key
from game.core.commands import StartRound
from game.core.decide import role_refusal
from game.core.model import Actor
from game.core.refusals import ErrorCode, sentence
from game.host import host
from game.identity import identify
from game.lanes import DISPLAYS, PHONES
from game.lookups import room_codes
from game.outbox import Outbox
from game.protocol import Message, ProtocolError
from game.ratelimit import address_key, sockets
from game.tenure import Tenure

log = logging.getLogger(__name__)


class GameConsumer(AsyncWebsocketConsumer):
    workshop_id: int | None = None
    actor: Actor | None = None
    sender: str | None = None  # whose client ids these are
    address: str | None = None  # counted against the address's socket cap
    opened = False  # past the connection caps: its frames are read
    cutting: asyncio.Task | None = None
    presence_watch: asyncio.Task | None = None

    async def dispatch(self, message: dict) -> None:
        # Channels' own, less its ``aclose_old_connections`` before every handler: a hop to the
        # one database thread per frame, queued behind the group commit in a vote storm. Every
        # database call here goes through database_sync_to_async, which closes stale
        # connections itself. (A fork of Channels 4.3: tests/workshop/test_forks_pinned.py.)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.outbox = Outbox(self.send_text, self._removed, self._broken)
        self.tenure = Tenure(self.cut)
        self.pongs: set[asyncio.Future] = set()
        address = self.scope.get("client")
        address = address_key(str(address[0])) if address else None
        if not sockets.open(address):
            await self.accept()
            await self.reply_error(ErrorCode.TOO_MANY_CONNECTIONS)
            await self.close(code=4429)
            return
        self.address, self.opened = address, True
        # An unknown code opens like a real one and fails at hello as wrong credentials do,
        # so a socket tells nobody which codes exist (the pages answer every code alike too).
        code = self.scope["url_route"]["kwargs"]["code"].upper()
        self.workshop_id = await room_codes.workshop_id(code)
        await self.accept()
        self.tenure.expect_hello()

    async def disconnect(self, close_code: int) -> None:
        sockets.close(self.address)
        self.address = None
        self.tenure.end(self)
        await self.outbox.close()
        for task in [self.presence_watch, *self.pongs]:
            if task is not None:
                task.cancel()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.opened or self.cutting is not None:
            return
        if not (admitted := self.tenure.admits()):
            if admitted is None:  # it keeps flooding: policy violation
                await self.close(code=4008)
            else:
                await self.reply_error(
                    ErrorCode.RATE_LIMITED, client_id=protocol.readable_id(text_data)
                )
            return
        message = None
        try:
            message = protocol.parse(text_data)
            if message.type == "ping":
                task = asyncio.ensure_future(self.pong())  # it may wait for a broadcast
                self.pongs.add(task)
                task.add_done_callback(self.pongs.discard)
            elif message.type == "hello":
                self.tenure.helloing = True
                try:
                    await self.hello(message)
                finally:
                    self.tenure.helloing = False
            else:
                await self.command(message)
        except ProtocolError as problem:
            await self.reply_error(problem.code, problem.message, problem.client_id)
        except DatabaseError:
            await self.database_failed(message.client_id if message else None)

    async def hello(self, message: Message) -> None:
        if self.tenure.helloed:
            raise ProtocolError(ErrorCode.ALREADY_HELLO)
        if message.fields["protocol"] != protocol.VERSION:
            raise ProtocolError(ErrorCode.BAD_PROTOCOL, version=protocol.VERSION)
        role = message.fields["role"]
        if self.workshop_id is None:
            raise ProtocolError(ErrorCode.AUTH_FAILED, role=role)
        session = self.scope.get("session") if role == "facilitator" else None
        # Read now, not when the socket opened: the facilitator may have logged out since.
        session_key = session.session_key if session is not None else None
        # Hold the send lock while joining the room and reading its state: broadcasts that
        # arrive meanwhile wait, then go out deduplicated by seq, so nothing falls in between.
        async with self.outbox.sending:
            room = await self.outbox.open(
                self.workshop_id, PHONES if role == "participant" else DISPLAYS
            )
            entered = await database_sync_to_async(self._enter)(
                room, role, message.fields, session_key
            )
            if entered is None or self.cutting is not None:  # (cut meanwhile: too late)
                await self.outbox.close()
                if self.cutting is not None:
                    return
                raise ProtocolError(ErrorCode.AUTH_FAILED, role=role)
            self.tenure.sit((self.workshop_id, self.sender or actor_key(self.actor)), self)
            await self._welcome(role, entered, message.fields.get("last_seq"))
        presence.registry.ensure_running()
        if role == "facilitator":
            self.tenure.watch_rights(self.identity.user_pk, session_key, self.workshop_id)
            self.presence_watch = asyncio.ensure_future(
                presence.watch(self.workshop_id, self.send_presence)
            )

    def _enter(self, room, role: str, fields: dict, session_key: str | None) -> Welcome | None:
        """In one trip to the database thread: who this is, and what they have missed."""
        self.identity = identify(self.workshop_id, role, fields.get("token", ""), session_key)
        if self.identity is None:
            return None
        self.actor, self.sender = self.identity.actor, self.identity.sender
        return resume(room, self.actor, fields.get("last_seq"))

    async def _welcome(self, role: str, welcome: Welcome, last_seq: int | None) -> None:
        self.outbox.viewer = welcome.viewer
        you = {"role": role, "participant": self.actor.participant_id, "seq": welcome.seq}
        hello = {"type": "welcome", "protocol": protocol.VERSION, **you}
        await self.send_json({**hello, "server_time": clock.now()})
        if welcome.snapshot is not None:
            self.outbox.last_sent = welcome.seq
            await self.send_text(welcome.snapshot)
        else:
            self.outbox.last_sent = last_seq
            await self.outbox.send_logged(welcome.missed)

    async def command(self, message: Message) -> None:
        if not self.tenure.helloed:
            raise ProtocolError(ErrorCode.HELLO_REQUIRED, client_id=message.client_id)
        command = protocol.to_command(message)
        if refused := role_refusal(command, self.actor):
            await self.refuse(message.client_id, refused)
            return
        if isinstance(command, StartRound) and "scenario_id" in message.fields:
            card = await database_sync_to_async(host().scenario_card)(
                self.workshop_id, message.fields["scenario_id"]
            )
            if card is None:
                await self.refuse(message.client_id, ErrorCode.SCENARIO_INVALID)
                return
            command = StartRound(card)
        outcome = await service.asubmit(
            workshop_id=self.workshop_id,
            actor=self.actor,
            command=command,
            client_id=message.client_id,
            sender=self.sender,
        )
        if not outcome.ok:
            await self.refuse(message.client_id, outcome.code, outcome.message)
            return
        # The events themselves follow in the room's next broadcast.
        ack = {"type": "ack", "id": message.client_id, "seqs": outcome.seqs}
        await self.send_json({**ack, "duplicate": outcome.duplicate})

    async def pong(self) -> None:
        """Answer a heartbeat once this socket has been sent every event the log has."""
        try:
            seq = await self.outbox.catch_up()
        except DatabaseError:
            await self.database_failed(None)
            return
        await self.send_json({"type": "pong", "server_time": clock.now(), "seq": seq})

    # -- ending ----------------------------------------------------------------------------------

    def cut(self, code: ErrorCode, message: str, close_code: int) -> None:
        """Stop acting for anyone on this socket at once, then tell the client and close."""
        self.outbox.viewer = None
        self.tenure.end(self)
        if self.cutting is None:
            self.cutting = asyncio.ensure_future(self._say_and_close(code, message, close_code))

    async def _say_and_close(self, code: ErrorCode, message: str, close_code: int) -> None:
        async with self.outbox.sending:
            await self.reply_error(code, message)
        await self.close(code=close_code)

    async def _removed(self) -> None:
        self.tenure.end(self)
        await self.reply_error(ErrorCode.REMOVED)
        await self.close(code=4403)

    async def _broken(self) -> None:
        await self.close(code=4500)

    async def database_failed(self, client_id: str | None) -> None:
        # Nothing was acknowledged: the client may retry with the same id.
        if self.outbox.room is not None:
            self.outbox.room.forget_end()
        log.exception("database error while handling a frame")
        await self.reply_error(ErrorCode.UNAVAILABLE, client_id=client_id)

    # -- sending ---------------------------------------------------------------------------------

    async def send_presence(self, message: dict) -> None:
        async with self.outbox.sending:
            if self.outbox.viewer is not None:
                await self.send_json(message)

    async def send_text(self, text: str) -> None:
        await self.send(text_data=text)

    async def send_json(self, message: dict) -> None:
        await self.send(text_data=protocol.encode(message))

    async def refuse(self, client_id: str | None, code: str, message: str | None = None) -> None:
        said = message or sentence(code)
        await self.send_json({"type": "refused", "id": client_id, "code": code, "message": said})

    async def reply_error(
        self, code: ErrorCode, message: str | None = None, client_id: str | None = None
    ) -> None:
        said = message or sentence(code)
        await self.send_json({"type": "error", "code": code, "message": said, "id": client_id})
