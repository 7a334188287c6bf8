"""The WebSocket consumer: decode, authorise, call the service, reply. No game rules here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import import_module
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.db import DatabaseError

from game import clock, presence, protocol, service, store
from game.batch import Batch, frames
from game.core import events as e
from game.core.model import Actor, Role, State
from game.core.refusals import REFUSALS
from game.core.visibility import (
    Viewer,
    concerns,
    personal_snapshot,
    public_snapshot,
    team_after,
    viewer_for,
)
from game.delivery import SendLock, hand_out
from game.fanout import DISPLAYS, PHONES, hub
from game.host import host
from game.lookups import last_seqs, workshop_id_for
from game.protocol import Message, ProtocolError
from game.ratelimit import address_key, message_bucket, sockets
from game.rights import watchers
from game.store import Logged
from game.tokens import read_participant_token

log = logging.getLogger(__name__)

# A client further behind than this gets a snapshot instead of the events it missed.
CATCH_UP_MAX = 500
# Messages refused for rate in a row before the connection is closed (policy violation).
FLOOD_CLOSE_AFTER = 200


class GameConsumer(AsyncWebsocketConsumer):
    # Events reach sockets through game.fanout's hub, one subscription per process, so no
    # socket needs a channel-layer channel of its own (with Redis, one subscription each).
    channel_layer_alias = "upserve: none"
    workshop_id: int | None = None
    viewer: Viewer | None = None
    actor: Actor | None = None
    sender: str | None = None  # whose client ids these are
    last_sent = 0
    handing = 0  # batches waiting for this socket in the hand-out queue
    lane = DISPLAYS
    presence_watch: asyncio.Task | None = None
    address: str | None = None  # counted against the address's socket cap
    seat: tuple[int, str] | None = None  # whose seat this socket holds, once helloed
    hello_timer: asyncio.TimerHandle | None = None
    user_pk: int | None = None  # a facilitator's, while their right is watched
    session_key: str | None = None
    rights_watch: asyncio.Task | None = None
    cutting: asyncio.Task | None = None
    helloing = False  # a hello is being handled
    opened = False  # past the connection caps: its frames are read

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections before every handler: a hop to the one
        # database thread per frame. Every database call here goes through
        # database_sync_to_async, which does that itself, so frames skip the hop.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.sending = SendLock()
        self.deliveries: set[asyncio.Future] = set()
        self.pongs: set[asyncio.Future] = set()
        # (seq, future) for each pong waiting until this socket has been sent that far.
        self.sent_waiters: list[tuple[int, asyncio.Future]] = []
        self.bucket = message_bucket()  # until hello: then the seat's, shared by its sockets
        self.refused_in_a_row = 0
        address = _client_address(self.scope)
        if not sockets.open(address):
            await self.accept()
            await self.reply_error("too_many_connections", TOO_MANY_CONNECTIONS)
            await self.close(code=4429)
            return
        self.address = address
        self.opened = True
        code = self.scope["url_route"]["kwargs"]["code"].upper()
        # An unknown code opens like a real one and fails at hello as wrong credentials do,
        # so a socket tells nobody which codes exist (the pages answer every code alike too).
        self.workshop_id = await workshop_id_for(code)
        await self.accept()
        self.hello_timer = asyncio.get_running_loop().call_later(
            settings.UPSERVE_HELLO_SECONDS, self._hello_overdue
        )

    async def disconnect(self, close_code: int) -> None:
        if self.hello_timer is not None:
            self.hello_timer.cancel()
        sockets.close(self.address)
        self.address = None
        self._leave_seat()
        if self.presence_watch is not None:
            self.presence_watch.cancel()
        if self.rights_watch is not None:
            self.rights_watch.cancel()
        for pong in list(self.pongs):
            pong.cancel()
        if self.workshop_id is not None:
            await hub.unsubscribe(self.workshop_id, self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.opened or self.cutting is not None:
            return
        if not self.bucket.take():
            await self.flooded(text_data)
            return
        self.refused_in_a_row = 0
        message = None
        try:
            message = protocol.parse(text_data)
            if message.type == "ping":
                self.answer_ping()
            elif message.type == "hello":
                self.helloing = True
                try:
                    await self.hello(message)
                finally:
                    self.helloing = False
            else:
                await self.command(message)
        except ProtocolError as problem:
            await self.reply_error(problem.code, problem.message, problem.client_id)
        except DatabaseError:
            await self.database_failed(message.client_id if message else None)

    async def database_failed(self, client_id: str | None) -> None:
        # Nothing was acknowledged: the client may retry with the same id.
        last_seqs.forget()
        log.exception("database error while handling a frame")
        await self.reply_error(
            "unavailable", "The server cannot save right now. Try again in a moment.", client_id
        )

    async def flooded(self, frame: str | None) -> None:
        """Refuse a message over the rate; a client that keeps flooding is disconnected."""
        self.refused_in_a_row += 1
        if self.refused_in_a_row > FLOOD_CLOSE_AFTER:
            await self.close(code=4008)
            return
        await self.reply_error(
            "rate_limited",
            "Too many messages: slow down and try again.",
            protocol.readable_id(frame),
        )

    # -- limits on a socket's life: hello in time, a few sockets per seat, the right to drive --

    def _hello_overdue(self) -> None:
        if self.helloing:
            # Its hello came in time and is waiting for the database (a reconnect storm after
            # a restart): look again later, in case it fails.
            self.hello_timer = asyncio.get_running_loop().call_later(
                settings.UPSERVE_HELLO_SECONDS, self._hello_overdue
            )
            return
        self.hello_timer = None
        if self.viewer is None:
            seconds = f"{settings.UPSERVE_HELLO_SECONDS:g}"
            self._cut("hello_timeout", HELLO_TIMEOUT.format(seconds=seconds), 4408)

    def _cut(self, code: str, message: str, close_code: int) -> None:
        """Stop acting for anyone on this socket at once, then tell the client and close."""
        self.viewer = None
        self._leave_seat()
        if self.cutting is None:
            self.cutting = asyncio.ensure_future(self._say_and_close(code, message, close_code))

    async def _say_and_close(self, code: str, message: str, close_code: int) -> None:
        async with self.sending:
            await self.reply_error(code, message)
        await self.close(code=close_code)

    def _sit(self, actor: Actor) -> None:
        self.seat = (self.workshop_id, self.sender or service.actor_key(actor))
        self.bucket, crowded = sockets.sit(self.seat, self)
        for oldest in crowded:
            oldest._cut("replaced", REPLACED, 4409)

    def _leave_seat(self) -> None:
        if self.seat is not None:
            sockets.leave(self.seat, self)
            self.seat = None
        if self.user_pk is not None:
            watchers.remove(self.user_pk, self)
            self.user_pk = None

    def rights_may_have_changed(self, session: str | None) -> None:
        """Called by game.rights: this facilitator's right may be gone (``session`` logged out)."""
        if self.viewer is None:
            return
        if session is not None and session == self.session_key:
            self._cut("auth_failed", _AUTH_FAILED["facilitator"], 4401)
        else:
            self.rights_changed.set()

    async def _keep_checking_rights(self) -> None:
        while self.viewer is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.rights_changed.wait(), settings.UPSERVE_RIGHTS_SECONDS)
            self.rights_changed.clear()
            try:
                user = await database_sync_to_async(self._facilitator)()
            except DatabaseError:
                continue  # cannot tell now: ask again next time rather than cut on a hiccup
            if user is None or user.pk != self.user_pk:
                self._cut("auth_failed", _AUTH_FAILED["facilitator"], 4401)
                return

    def _facilitator(self):
        """The user of this socket's session, read afresh, if they may run this workshop."""
        if self.session_key is None:
            return None
        store_class = import_module(settings.SESSION_ENGINE).SessionStore
        user = auth.get_user(SimpleNamespace(session=store_class(self.session_key)))
        return user if host().may_facilitate(self.workshop_id, user) else None

    def answer_ping(self) -> None:
        """Pong from a task of its own: it may wait for events on their way to this socket, and
        the socket's next commands must not wait behind it."""
        task = asyncio.ensure_future(self.pong())
        self.pongs.add(task)
        task.add_done_callback(self.pongs.discard)

    async def pong(self) -> None:
        """Answer a heartbeat once this socket has been sent every event the log has. Events
        the room's broadcast is bringing are waited for (they come with everyone's, encoded
        once); only what a broadcast lost is read from the log. Reading it for every pong cost
        a 5,000-phone room most of its database thread while votes queued behind."""
        seq = None
        try:
            if self.viewer is not None:
                in_log = await last_seqs.get(self.workshop_id)
                seq = max(in_log, hub.latest.get(self.workshop_id, 0))
                await self._sent_up_to(seq, hub.delivery_bound(self.lane))
                async with self.sending:
                    if self.viewer is not None and seq > self.last_sent:
                        await self.send_logged(await self._events_up_to(seq))
        except DatabaseError:
            await self.database_failed(None)
            return
        await self.send_json({"type": "pong", "server_time": clock.now(), "seq": seq})

    async def _sent_up_to(self, seq: int, timeout: float) -> None:
        """Wait until this socket has been sent every event up to ``seq``, or ``timeout``."""
        if self.last_sent >= seq:
            return
        waiter = (seq, asyncio.get_running_loop().create_future())
        self.sent_waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter[1], timeout)
        except TimeoutError:
            pass
        finally:
            self.sent_waiters.remove(waiter)

    async def _events_up_to(self, seq: int) -> list[Logged]:
        """The events after ``last_sent`` up to ``seq``: from the hub when a tally throttle is
        only holding them back, else from the log."""
        held = hub.waiting(self.workshop_id, self.last_sent)
        if held and held[0].seq == self.last_sent + 1 and held[-1].seq >= seq:
            return held
        return await database_sync_to_async(store.events_between)(
            self.workshop_id, self.last_sent + 1, seq
        )

    # -- hello: who are you, and what have you seen? -----------------------------------------

    async def hello(self, message: Message) -> None:
        if self.viewer is not None:
            raise ProtocolError("already_hello", "This connection has already said hello.")
        if message.fields["protocol"] != protocol.VERSION:
            raise ProtocolError("bad_protocol", f"This server speaks protocol {protocol.VERSION}.")
        role = message.fields["role"]
        if self.workshop_id is None:
            raise ProtocolError("auth_failed", _AUTH_FAILED[role])
        token = message.fields.get("token", "")
        last_seq = message.fields.get("last_seq")
        # Hold the send lock while subscribing and reading state: broadcasts that arrive
        # meanwhile wait, then go out deduplicated by seq, so nothing falls in between. Until
        # the viewer is set, broadcasts pass this socket by.
        self.lane = PHONES if role == "participant" else DISPLAYS
        async with self.sending:
            await hub.subscribe(self.workshop_id, self, self.lane)
            entered = await database_sync_to_async(self._enter)(role, token, last_seq)
            if entered is None or self.cutting is not None:  # (cut meanwhile: too late)
                await hub.unsubscribe(self.workshop_id, self)
                if self.cutting is not None:
                    return
                raise ProtocolError("auth_failed", _AUTH_FAILED[role])
            if self.hello_timer is not None:
                self.hello_timer.cancel()
                self.hello_timer = None
            self._sit(entered[0])
            await self._welcome(role, last_seq, *entered)
        presence.registry.ensure_running()
        if role == "facilitator":
            self.rights_changed = asyncio.Event()
            watchers.add(self.user_pk, self)
            self.rights_watch = asyncio.ensure_future(self._keep_checking_rights())
            self.presence_watch = asyncio.ensure_future(
                presence.watch(self.workshop_id, self.send_presence)
            )

    async def _welcome(
        self, role: str, last_seq: int | None, actor: Actor, viewer, seq, missed, view
    ) -> None:
        self.actor, self.viewer = actor, viewer
        await self.send_json(
            {
                "type": "welcome",
                "protocol": protocol.VERSION,
                "role": role,
                "participant": actor.participant_id,
                "seq": seq,
                "server_time": clock.now(),
            }
        )
        if view is not None:
            self.last_sent = seq
            await self.send(text_data=view)
        else:
            self.last_sent = last_seq
            await self.send_logged(missed)

    def _enter(self, role: str, token: str, last_seq: int | None) -> tuple | None:
        """In one trip to the database thread: who this is, and what they have missed (see
        ``_resume``); None if the credentials do not open this workshop."""
        actor = self._authenticate(role, token)
        if actor is None:
            return None
        resumed = _resume(self.workshop_id, actor, last_seq)
        return None if resumed is None else (actor, *resumed)

    def _authenticate(self, role: str, token: str) -> Actor | None:
        if role == "participant":  # whether the seat still exists is _resume's to check
            pid = read_participant_token(token, self.workshop_id)
            return None if pid is None else Actor(Role.PARTICIPANT, pid)
        if role == "facilitator":
            # Read from the session now, not when the socket opened: it may have logged out since.
            session = self.scope.get("session")
            self.session_key = session.session_key if session is not None else None
            user = self._facilitator()
            if user is None:
                return None
            self.user_pk = user.pk
            self.sender = f"facilitator:{user.pk}"
            return Actor(Role.FACILITATOR)
        return Actor(Role.SCREEN) if host().screen_token_ok(self.workshop_id, token) else None

    # -- commands --------------------------------------------------------------------------

    async def command(self, message: Message) -> None:
        if self.viewer is None:
            raise ProtocolError("hello_required", "Say hello first.", message.client_id)
        refusal = _role_refusal(self.actor.role, message.type)
        if refusal:
            await self.refuse(message.client_id, refusal)
            return
        scenario = None
        if message.type == "start_round" and "scenario_id" in message.fields:
            scenario = await database_sync_to_async(host().scenario_card)(
                self.workshop_id, message.fields["scenario_id"]
            )
            if scenario is None:
                await self.refuse(message.client_id, "scenario_invalid")
                return
        outcome = await service.asubmit(
            workshop_id=self.workshop_id,
            actor=self.actor,
            command=protocol.to_command(message, scenario),
            client_id=message.client_id,
            sender=self.sender,
        )
        if not outcome.ok:
            await self.refuse(message.client_id, outcome.code, outcome.message)
            return
        # The events themselves follow in the workshop's next broadcast.
        await self.send_json(
            {
                "type": "ack",
                "id": message.client_id,
                "seqs": outcome.seqs,
                "duplicate": outcome.duplicate,
            }
        )

    async def refuse(self, client_id: str | None, code: str, message: str | None = None) -> None:
        await self.send_json(
            {"type": "refused", "id": client_id, "code": code, "message": message or REFUSALS[code]}
        )

    # -- events ----------------------------------------------------------------------------

    def receive_batch(self, batch: Batch) -> None:
        """Called by the hub for every broadcast of this workshop; sends in order, and so that
        one slow socket never holds up the others: an idle socket is sent to from its event
        loop's one hand-out task, a busy one (or one that must read the log) from a task of its
        own. A task per socket per broadcast was a tenth of a 2,000-phone room's work."""
        if self.handing or not (self.deliveries or self.sending.busy):
            hand_out().put(self, batch)
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
        return shared and self.actor.participant_id not in batch.regrouped

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
                await self.close(code=4500)

    async def send_logged(self, logged: list[Logged]) -> None:
        """Send events after ``last_sent`` in seq order, exactly once, filling any gap from the
        log first. Call with ``self.sending`` held."""
        logged = [x for x in logged if x.seq > self.last_sent]
        if not logged:
            return
        if logged[-1].seq - self.last_sent != len(logged):
            # A hole before or inside: read the whole stretch from the log, the truth.
            logged = await database_sync_to_async(store.events_between)(
                self.workshop_id, self.last_sent + 1, logged[-1].seq
            )
        if not self._concerns_me(logged):
            await self._send_frames(frames(logged, self.viewer), logged[-1].seq)
            return
        for x in logged:  # one by one: what this viewer may see changes as they go
            if self.viewer is None:
                return
            self._follow(x)
            await self._send_frames(frames([x], self.viewer), x.seq)
            removed = x.event.type == e.PARTICIPANT_REMOVED
            if removed and x.event.data["participant"] == self.actor.participant_id:
                # The seat is gone on the server; this socket must not act for it any more.
                await self.reply_error("removed", "The facilitator removed you from this workshop.")
                self.viewer = None
                await self.close(code=4403)

    async def _send_frames(self, texts: list[str], last_seq: int) -> None:
        for text in texts:
            await self.send(text_data=text)
        self.last_sent = last_seq
        for seq, waiter in self.sent_waiters:
            if seq <= last_seq and not waiter.done():
                waiter.set_result(None)

    def _concerns_me(self, logged: list[Logged]) -> bool:
        me = self.actor.participant_id
        return me is not None and any(concerns(x.event, me) for x in logged)

    def _follow(self, x: Logged) -> None:
        """Keep the viewer's team current, since what it may see depends on it."""
        team = team_after(x.event, self.viewer.participant_id, self.viewer.team_id)
        if team != self.viewer.team_id:
            self.viewer = Viewer(self.viewer.role, self.viewer.participant_id, team)

    async def send_presence(self, message: dict) -> None:
        async with self.sending:
            if self.viewer is not None:
                await self.send_json(message)

    async def send_json(self, message: dict) -> None:
        await self.send(text_data=protocol.encode(message))

    async def reply_error(self, code: str, message: str, client_id: str | None = None) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, "id": client_id})


TOO_MANY_CONNECTIONS = (
    "Too many connections from your network address on this server. Close some and try again."
)
HELLO_TIMEOUT = (
    "No hello within {seconds} seconds: this connection is closed. Reconnect and say hello."
)
REPLACED = (
    "This seat has too many connections open: this one, its oldest, is closed. "
    "Close the tabs you no longer use."
)


def _client_address(scope) -> str | None:
    """The client's address as the server sees it (behind the proxy, the one it forwarded)."""
    client = scope.get("client")
    return address_key(str(client[0])) if client else None


_AUTH_FAILED = {
    "facilitator": "Log in as a facilitator of this workshop first.",
    "participant": "Your seat in this workshop was not recognised. Join again with the room code.",
    "screen": "This screen link is not valid for this workshop.",
}


def _role_refusal(role: Role, kind: str) -> str | None:
    if role is Role.SCREEN:
        return "forbidden"
    if kind in protocol.FACILITATOR and role is not Role.FACILITATOR:
        return "forbidden"
    if kind in protocol.PARTICIPANT and role is not Role.PARTICIPANT:
        return "participants_only"
    return None


def _resume(workshop_id: int, actor: Actor, last_seq: int | None):
    """(viewer, seq, missed events, snapshot frame): the events after last_seq, or else the
    snapshot, already encoded. None if the actor is a participant whose seat is gone."""
    with service.reading(workshop_id) as state:
        if actor.role is Role.PARTICIPANT and actor.participant_id not in state.people:
            return None
        viewer = viewer_for(state, actor.role, actor.participant_id)
        catch_up = last_seq is not None and 0 <= state.seq - last_seq <= CATCH_UP_MAX
        if not catch_up:
            return viewer, state.seq, [], _snapshot_frame(workshop_id, state, viewer)
        seq = state.seq
    if seq == last_seq:  # up to date, as most phones are after a server restart
        return viewer, seq, [], None
    missed = store.events_after(workshop_id, last_seq)
    if _moved_meanwhile(missed, actor.participant_id):
        # Each missed event would have to be redacted for the team the phone was in when it
        # happened, which nobody here knows for the events before the move: a snapshot is right.
        with service.reading(workshop_id) as state:
            viewer = viewer_for(state, actor.role, actor.participant_id)
            return viewer, state.seq, [], _snapshot_frame(workshop_id, state, viewer)
    return viewer, seq, missed, None


def _moved_meanwhile(missed: list[Logged], participant_id: str | None) -> bool:
    # Given no team before it, an event that puts the participant in one answers that team.
    return participant_id is not None and any(
        team_after(x.event, participant_id, None) is not None for x in missed
    )


# The shared part of the latest snapshot per workshop, encoded once: a reconnect storm of
# thousands of phones would otherwise encode the whole roster once per phone.
_public_frames: dict[int, tuple[State, int, str]] = {}


def _snapshot_frame(workshop_id: int, state: State, viewer: Viewer) -> str:
    cached = _public_frames.get(workshop_id)
    if cached is None or cached[0] is not state or cached[1] != state.seq:
        encoded = protocol.encode(public_snapshot(state))
        cached = _public_frames[workshop_id] = (state, state.seq, encoded)
    personal = protocol.encode(personal_snapshot(state, viewer))
    return f'{{"type":"snapshot","seq":{state.seq},"state":{cached[2][:-1]},{personal[1:]}}}'
