"""Drives the real consumer with generated frames and checks every reply against the protocol.

One long-lived in-process connection per role is fuzzed (``Conn``); "side" connections, one for
the facilitator and one per seated participant, carry the valid commands that move the game
along when the fuzzed role cannot send them itself. Everything is strictly sequential: one frame,
then its reply, then the next frame. So the log can only grow through an ``ack``, and the harness
knows exactly which seq must come next: a refused or failed frame that wrote an event shows up at
the very next ``ack`` or, at the latest, at the end of the batch.

The transport is checked like Daphne would: every text frame the server sends is encoded to UTF-8
on the way out (``DaphneTransport``). The in-process communicator does not do that, so a server
message holding a lone surrogate would otherwise pass here and kill the real socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import traceback
from asyncio import FIRST_COMPLETED
from dataclasses import asdict, dataclass, field

from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings

from game import protocol, service, store
from game.core import events as e
from game.core.ballots import ballot_for
from game.core.commands import LockJoining
from game.core.evolve import evolve, fold
from game.core.model import FACILITATOR, Phase, State
from game.core.refusals import REFUSALS
from game.core.visibility import team_after
from game.models import Event as EventRow
from game.models import Game, Receipt
from game.rooms import rooms
from game.routing import websocket_urlpatterns
from game.store import Logged
from game.tokens import participant_token
from tests.fuzz.frames import Drive, Msg, Raw, Ref
from tests.game.wsclient import logged_in_session
from workshop.models import Scenario, Workshop

READ_TIMEOUT = 10
ERROR_CODES = {
    "no_workshop",
    "bad_frame",
    "too_large",
    "bad_json",
    "bad_text",
    "bad_message",
    "bad_id",
    "unknown_type",
    "missing_field",
    "invalid_field",
    "unknown_field",
    "hello_required",
    "already_hello",
    "bad_protocol",
    "auth_failed",
    "unavailable",
    "rate_limited",
    "removed",
    "too_many_connections",
    "hello_timeout",
    "replaced",
}
# Refusals the consumer decides before the rules: never stored as receipts (protocol.md §4).
CONSUMER_REFUSALS = {"forbidden", "participants_only", "scenario_invalid"}
ROLE_COMMANDS = {
    "facilitator": set(protocol.FACILITATOR),
    "participant": set(protocol.PARTICIPANT),
    "screen": set(),
}
MOVE_TEXTS = [
    "Ask how long they are staying, then offer a refill.",
    "Bundle the muffin, but only if they want breakfast.",
    "Listen first. 🙂",
]


class DaphneTransport:
    """What Daphne does with each frame the application sends: ``text.encode("utf8")``.

    Under Daphne a text that cannot be encoded raises inside the application's ``send``: the
    consumer dies and the socket closes with 1011. Doing the same here makes such a frame fail
    the test with the consumer's own traceback."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        async def strict_send(message):
            if message.get("type") == "websocket.send" and message.get("text") is not None:
                message["text"].encode("utf8")
            await send(message)

        return await self.app(scope, receive, strict_send)


APPLICATION = DaphneTransport(URLRouter(websocket_urlpatterns))


def _strict_constant(name: str):
    raise AssertionError(f"the server sent {name}, which is not JSON (browsers reject it)")


class Violation(AssertionError):
    pass


class Gone(Exception):
    """The connection's participant was removed and the server closed it, as documented."""

    def __init__(self, conn: Conn) -> None:
        super().__init__(conn.name)
        self.conn = conn


def check(condition: bool, what: str, *context) -> None:
    if not condition:
        details = "\n".join(_short(c) for c in context)
        raise Violation(f"{what}\n{details}" if details else what)


def _short(value, limit: int = 600) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


@dataclass
class Sent:
    """What the harness knows about a frame it sent (parsed leniently, never by game code)."""

    text: str | None
    binary: bool
    size: int
    body: dict | None = None

    @classmethod
    def of(cls, data: str | bytes) -> Sent:
        if isinstance(data, bytes):
            return cls(None, True, len(data))
        sent = cls(data, False, len(data.encode("utf8")))
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            body = None
        sent.body = body if isinstance(body, dict) else None
        return sent

    @property
    def type(self):
        return self.body.get("type") if self.body is not None else None

    @property
    def client_id(self) -> str | None:
        value = self.body.get("id") if self.body is not None else None
        return value if isinstance(value, str) and 1 <= len(value) <= protocol.MAX_ID else None


@dataclass
class Seat:
    pid: str
    token: str
    nickname: str
    conn: Conn | None = None
    fuzzed: bool = False


@dataclass
class Conn:
    harness: Harness
    name: str
    user: object = None
    role: str | None = None  # set by a welcome
    pid: str | None = None
    team: str | None = None
    last_seq: int | None = None
    frames: int = 0
    removed: bool = False  # saw the participant_removed event about itself
    removal_noticed: bool = False  # then the error "removed"
    gone: bool = False  # then the close (4403)
    communicator: WebsocketCommunicator = field(init=False)

    def __post_init__(self) -> None:
        path = f"/ws/workshops/{self.harness.code}/"
        self.communicator = WebsocketCommunicator(APPLICATION, path)

    @property
    def sender(self) -> str | None:
        if self.role == "facilitator":
            return f"facilitator:{self.user.pk}"
        return self.pid if self.role == "participant" else None

    async def open(self) -> None:
        if self.user is not None and "session" not in self.communicator.scope:
            self.communicator.scope["session"] = await logged_in_session(self.user)
        connected, _ = await self.communicator.connect(timeout=READ_TIMEOUT)
        check(connected, f"{self.name}: the handshake was refused")

    async def close(self) -> None:
        # A crashed application re-raises here: the test has already failed with it.
        with contextlib.suppress(Exception):
            await self.communicator.disconnect(timeout=READ_TIMEOUT)

    def alive(self) -> bool:
        return not self.communicator.future.done()

    def crashed(self) -> None:
        """Fail with the application's own traceback if the consumer has died."""
        future = self.communicator.future
        if future.done() and not future.cancelled() and future.exception() is not None:
            problem = future.exception()
            trace = "".join(traceback.format_exception(problem))
            raise Violation(f"{self.name}: the consumer crashed: {problem!r}\n{trace}") from None

    async def send(self, data: str | bytes) -> None:
        self.crashed()
        key = "bytes" if isinstance(data, bytes) else "text"
        # send_input, not send_to: send_to refuses the empty frames a real client can send.
        await self.communicator.send_input({"type": "websocket.receive", key: data})

    async def next_output(self) -> dict:
        """The next ASGI message from the application; fails at once if the application dies
        (``receive_output`` would wait for its whole timeout first)."""
        queue, future = self.communicator.output_queue, self.communicator.future
        if not queue.empty():
            return queue.get_nowait()
        getter = asyncio.ensure_future(queue.get())
        await asyncio.wait({getter, future}, timeout=READ_TIMEOUT, return_when=FIRST_COMPLETED)
        if getter.done():
            return getter.result()
        getter.cancel()
        self.crashed()
        check(not future.done(), f"{self.name}: the application stopped without closing")
        raise Violation(f"{self.name}: no answer within {READ_TIMEOUT} s")

    async def read(self) -> dict:
        """The next message from the server, checked as a well-formed server message."""
        output = await self.next_output()
        if output["type"] == "websocket.close" and self.removal_noticed:
            check(output.get("code") == 4403, f"{self.name}: removed, but closed with", output)
            self.gone = True
            raise Gone(self)
        check(
            output["type"] == "websocket.send",
            f"{self.name}: the server closed the connection",
            output,
        )
        text = output.get("text")
        check(isinstance(text, str) and not output.get("bytes"), "not a text frame", output)
        message = json.loads(text, parse_constant=_strict_constant)
        check(isinstance(message, dict) and isinstance(message.get("type"), str), "no type", text)
        if message["type"] == "event":
            self.on_event(message)
        elif message["type"] == "snapshot":
            check(self.role is not None, f"{self.name}: a snapshot before any welcome")
            self.last_seq = message["seq"]
            you = message["state"].get("you")
            self.team = you["team"] if you else None
        elif message["type"] == "presence":
            check(
                self.role == "facilitator", f"{self.name}: presence is the facilitator's", message
            )
            online = message.get("online")
            check(
                isinstance(online, list) and all(isinstance(p, str) for p in online),
                "presence",
                message,
            )
            return await self.read()  # not a reply to anything
        elif message["type"] == "error" and message.get("code") == "removed":
            check(self.removed, f"{self.name}: 'removed' without a participant_removed", message)
            self.removal_noticed = True
            return await self.read()  # not a reply to anything: the close follows
        return message

    async def reply(self) -> dict:
        """The next message that is not an event."""
        while True:
            message = await self.read()
            if message["type"] != "event":
                return message

    def on_event(self, message: dict) -> None:
        check(self.last_seq is not None, f"{self.name}: an event before hello", message)
        kind, data = message["event"], message["data"]
        # A run of votes this connection sees only as a count may come as one message
        # covering first_seq..seq (protocol.md §6.3).
        first = message.get("first_seq", message["seq"])
        check(
            first == self.last_seq + 1 and first <= message["seq"],
            f"{self.name}: gap or duplicate in the event stream after seq {self.last_seq}",
            message,
        )
        if "first_seq" in message:
            check(kind == e.VOTE_CAST and "voter" not in data, "a run of other events", message)
        self.last_seq = message["seq"]
        if kind == e.VOTE_CAST and "voter" in data:
            check(data["voter"] == self.pid, f"{self.name} saw someone else's vote", message)
        if kind == e.MOVE_SAVED and "text" in data:
            check(
                self.role == "facilitator" or data["team"] == self.team,
                f"{self.name} ({self.role}, team {self.team}) saw another team's move text",
                message,
            )
        if kind in (e.PARTICIPANT_MOVED, e.PARTICIPANT_JOINED) and data["participant"] == self.pid:
            self.team = data["team"]
        if kind == e.TEAMS_SHUFFLED:
            self.team = team_after(e.Event(kind, data), self.pid, self.team)
        if kind == e.PARTICIPANT_REMOVED and data["participant"] == self.pid:
            self.removed = True

    async def ping(self) -> dict:
        await self.send(json.dumps({"type": "ping"}))
        pong = await self.reply()
        check(pong["type"] == "pong", f"{self.name}: the answer to a ping is not a pong", pong)
        return pong


class Harness:
    def __init__(self, workshop: Workshop, user, role: str) -> None:
        self.workshop = workshop
        self.code = workshop.code
        self.user = user
        self.role = role  # the fuzzed role: facilitator, participant, screen or anonymous
        self.seq = 0  # the last seq the log must have: grows only with acks
        self.receipts: dict[tuple[str, str], tuple] = {}
        self.seats: list[Seat] = []
        self.facilitator_side: Conn | None = None
        self.fuzzed: Conn | None = None
        self.broken = False
        self.frames = 0  # frames on the fuzzed connection (hostile and driving)
        self.hostile = 0  # generated hostile frames
        self.drives = 0
        self.replies: dict[str, int] = {}
        self.ids = itertools.count(1)
        self.scenario_ids: list[int] = []
        self.every_conn: list[Conn] = []
        self.auditor = Auditor()  # checks the log as it grows, batch by batch
        self.origin: dict[int, str] = {}  # seq -> the frame whose ack recorded it
        self.background: list[str] = []  # failures of tasks the consumer started
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(self._background_failure)

    def _background_failure(self, loop, context: dict) -> None:
        """The consumer delivers broadcasts in tasks of its own: their failures never reach the
        application's future, only the loop's exception handler."""
        problem = context.get("exception")
        trace = "".join(traceback.format_exception(problem)) if problem else ""
        self.background.append(f"{context.get('message')}: {problem!r}\n{trace}")

    def check_background(self) -> None:
        if self.background:
            failures, self.background = self.background, []
            unique = {f: failures.count(f) for f in failures}  # one per connection, often alike
            report = "\n".join(f"({n} times) {f}" if n > 1 else f for f, n in unique.items())
            raise Violation("a task of the consumer failed:\n" + report)

    # -- lifecycle ------------------------------------------------------------------------------

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.run(self._close_all())
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    async def _close_all(self) -> None:
        room = rooms.find(self.workshop.pk)
        if room is not None:
            room.flush()  # no tally timer may outlive this loop
        for conn in self.every_conn:
            await conn.close()
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def connections(self) -> list[Conn]:
        conns = [self.fuzzed, self.facilitator_side, *(s.conn for s in self.seats)]
        return [c for c in conns if c is not None]

    async def start(self) -> None:
        self.scenario_ids = await database_sync_to_async(
            lambda: list(Scenario.objects.values_list("id", flat=True))
        )()
        for nickname in ("Alice", "Bob", "Cat", "Dan"):
            seat = await self.seat(nickname)
            seat.fuzzed = self.role == "participant" and nickname == "Alice"
        await self.connect_all()

    async def seat(self, nickname: str) -> Seat | None:
        from workshop.rooms import participant_join

        outcome, token = await database_sync_to_async(participant_join)(
            workshop=self.workshop, nickname=nickname
        )
        if not outcome.ok:
            return None
        self.seq = outcome.seqs[-1]
        pid = outcome.logged[0].event.data["participant"]
        seat = Seat(pid, token, nickname)
        self.seats.append(seat)
        return seat

    async def connect_all(self) -> None:
        """(Re)open every connection and resynchronise the model with the database (after a
        failed batch, whose sockets may be dead and whose last command may or may not have
        been recorded)."""
        for conn in self.connections():
            await conn.close()
        self.fuzzed = self.facilitator_side = None
        for seat in self.seats:
            seat.conn = None
        self.seq, self.receipts = await database_sync_to_async(_log_position)(self.workshop.pk)
        if self.role == "facilitator":
            self.fuzzed = await self.hello(Conn(self, "facilitator", self.user), "facilitator")
        else:
            self.facilitator_side = await self.hello(
                Conn(self, "side facilitator", self.user), "facilitator"
            )
        if self.role == "screen":
            self.fuzzed = await self.hello(
                Conn(self, "screen"), "screen", self.workshop.screen_token
            )
        elif self.role == "anonymous":
            self.fuzzed = self.track(Conn(self, "anonymous"))
            await self.fuzzed.open()
        await self.reseat()
        self.broken = False

    async def reseat(self) -> None:
        """Connect every seat; replace participants who were removed, so the game keeps four
        players (the fuzzed participant is never removed: only the fuzzed facilitator could)."""
        state = await database_sync_to_async(service.read_state)(self.workshop.pk)
        for seat in list(self.seats):
            if seat.pid in state.people or seat.fuzzed:
                continue
            if seat.conn is not None:
                await seat.conn.close()
            self.seats.remove(seat)
            if not state.ended:
                await self.replacement()
        for seat in self.seats:
            if seat.conn is None:
                name = f"{'participant' if seat.fuzzed else 'side'} {seat.nickname}"
                seat.conn = await self.hello(Conn(self, name), "participant", seat.token)
                if seat.fuzzed:
                    self.fuzzed = seat.conn

    async def replacement(self) -> None:
        """Seat a new participant, unlocking the room first if the fuzzed facilitator locked it."""
        if (await database_sync_to_async(service.read_state)(self.workshop.pk)).joining_locked:
            outcome = await database_sync_to_async(service.submit)(
                workshop_id=self.workshop.pk, actor=FACILITATOR, command=LockJoining(False)
            )
            check(outcome.ok, "could not unlock joining", outcome)
            self.seq = outcome.seqs[-1]
        for _ in range(5):  # a fuzzed rename may have taken the nickname
            if await self.seat(f"Seat {next(self.ids)}"):
                return
        raise Violation("could not seat a replacement participant")

    def track(self, conn: Conn) -> Conn:
        self.every_conn.append(conn)
        return conn

    async def hello(self, conn: Conn, role: str, token: str = "") -> Conn:
        self.track(conn)
        await conn.open()
        await conn.send(json.dumps({"type": "hello", "protocol": 1, "role": role, "token": token}))
        welcome = await conn.reply()
        check(welcome["type"] == "welcome", f"{conn.name}: hello failed", welcome)
        conn.role, conn.pid = role, welcome["participant"]
        snapshot = await conn.reply()
        check(snapshot["type"] == "snapshot", f"{conn.name}: no snapshot", snapshot)
        return conn

    # -- one batch ------------------------------------------------------------------------------

    def run_batch(self, items: list) -> None:
        self.run(self._run_batch(items))

    async def _run_batch(self, items: list) -> None:
        if self.broken:
            await self.connect_all()
        self.broken = True  # until the batch completes: a failure leaves the sockets suspect
        for index, item in enumerate(items):
            try:
                await self.send_item(item)
            except Violation as problem:
                note = await self.alone(item)
                raise Violation(f"{problem}\n(item {index} of the batch) {note}") from None
        await self.settle()
        self.broken = False

    async def send_item(self, item) -> None:
        try:
            if isinstance(item, Drive):
                await self.drive(item)
            else:
                self.hostile += 1
                await self.fuzz(self.fuzzed, self.encode(item))
        except Gone as gone:
            await self.forget(gone.conn)

    async def forget(self, conn: Conn) -> None:
        """A removed participant's connection was closed by the server: replace or drop it."""
        await conn.close()
        if conn is self.fuzzed and self.role == "anonymous":
            self.fuzzed = self.track(Conn(self, "anonymous"))
            await self.fuzzed.open()
            return
        check(conn is not self.fuzzed, f"{conn.name}, the fuzzed connection, was removed")
        for seat in self.seats:
            if seat.conn is conn:
                seat.conn = None  # reseat() replaces the participant at the end of the batch

    async def alone(self, item) -> str:
        """Whether the failing frame does it on its own, on a fresh connection of the role."""
        if isinstance(item, Drive):
            return ""
        data = self.encode(item)
        try:
            if self.role == "anonymous":
                conn = self.track(Conn(self, "fresh anonymous"))
                await conn.open()
            elif self.role == "facilitator":
                conn = await self.hello(Conn(self, "fresh facilitator", self.user), "facilitator")
            elif self.role == "screen":
                conn = await self.hello(
                    Conn(self, "fresh screen"), "screen", self.workshop.screen_token
                )
            else:
                seat = next(s for s in self.seats if s.fuzzed)
                conn = await self.hello(Conn(self, "fresh participant"), "participant", seat.token)
            await conn.send(data)
            reply = await conn.reply()
            await conn.ping()
        except Exception as problem:
            again = _short(str(problem), 3000)
            return f"Sent alone on a fresh connection, the frame fails again:\n{again}"
        return f"Sent alone on a fresh connection it gets {_short(reply)}: earlier frames matter."

    def encode(self, item: Raw | Msg) -> str | bytes:
        if isinstance(item, Raw):
            return item.data
        body = self.resolve(item.body)
        text = json.dumps(body, ensure_ascii=item.ascii)
        try:
            text.encode("utf8")
        except UnicodeEncodeError:  # a lone surrogate: a real client can only send it escaped
            text = json.dumps(body)
        return text

    def resolve(self, value):
        if isinstance(value, Ref):
            return self.ref(value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def ref(self, ref: Ref):
        if ref.kind == "pid":
            return self.seats[ref.index % len(self.seats)].pid
        if ref.kind == "token":
            return self.seats[ref.index % len(self.seats)].token
        if ref.kind == "screen_key":
            return self.workshop.screen_token
        if ref.kind == "foreign_token":
            return participant_token(self.workshop.pk + 1, self.seats[0].pid)
        if ref.kind == "scenario_id":
            return self.scenario_ids[ref.index % len(self.scenario_ids)]
        raise ValueError(ref)

    async def fuzz(self, conn: Conn, data: str | bytes) -> dict:
        """Send one frame on ``conn`` and check its one reply."""
        sent = Sent.of(data)
        self.frames += 1
        conn.frames += 1
        reply = None
        try:
            await conn.send(data)
            reply = await conn.reply()
            self.replies[reply["type"]] = self.replies.get(reply["type"], 0) + 1
            await self.check_reply(conn, sent, reply)
            self.check_background()
        except Violation as problem:
            answer = f"\nreply: {_short(reply)}" if reply is not None else ""
            raise Violation(f"{problem}\n{conn.name} sent: {_short(data)}{answer}") from None
        return reply

    async def check_reply(self, conn: Conn, sent: Sent, reply: dict) -> None:
        kind = reply["type"]
        check(kind in ("ack", "refused", "error", "pong", "welcome"), "not a reply")
        if kind in ("error", "refused"):
            check(isinstance(reply.get("code"), str) and reply["code"], "no code")
            check(isinstance(reply.get("message"), str) and reply["message"].strip(), "no message")
        if reply.get("code") == "rate_limited":
            return
        if sent.binary:
            check((kind, reply.get("code")) == ("error", "bad_frame"), "binary frame not refused")
            return
        too_large = sent.size > protocol.MAX_FRAME_BYTES
        check(
            too_large == (reply.get("code") == "too_large"),
            f"a {sent.size}-byte frame (limit {protocol.MAX_FRAME_BYTES}) got {reply.get('code')}",
        )
        if kind == "error":
            check(reply["code"] in ERROR_CODES, "an undocumented error code")
            # No database fault is injected here: "unavailable" means the database refused
            # what the frame carried, and the protocol tells clients to retry it forever.
            check(reply["code"] != "unavailable", "the database refused a frame's content")
            check(reply.get("id") in (None, sent.client_id), "the error names another id")
            if reply["code"] == "hello_required":
                check(conn.role is None, "hello_required after a successful hello")
            if reply["code"] == "already_hello":
                check(conn.role is not None and sent.type == "hello", "already_hello out of turn")
            return
        if kind == "pong":
            check(sent.type == "ping", "a pong for something else than a ping")
            check(reply.get("seq") == (self.seq if conn.role else None), "pong seq is wrong")
            check(conn.role is None or conn.last_seq == self.seq, "pong before the events")
            return
        if kind == "welcome":
            check(sent.type == "hello" and conn.role is None, "an unexpected welcome")
            await self.welcomed(conn, sent, reply)
            return
        # ack or refused: the command reached the consumer's command path
        check(conn.role is not None, "a command was handled before hello")
        check(sent.type in protocol.COMMANDS, "an answer to something that is not a command")
        check(reply.get("id") == sent.client_id, "the answer names another id")
        key = (conn.sender, sent.client_id)
        stored = self.receipts.get(key)
        if kind == "ack":
            check(sent.type in ROLE_COMMANDS[conn.role], f"{conn.role} may not send {sent.type}")
            seqs, duplicate = reply.get("seqs"), reply.get("duplicate")
            check(isinstance(seqs, list) and seqs and duplicate in (True, False), "bad ack")
            if stored is not None:
                check(stored == ("ack", seqs) and duplicate, f"retry of {stored} not replayed")
            else:
                check(not duplicate, "a duplicate ack for an id never answered")
                self.acked(seqs, f"{conn.name}: {sent.text}")
                self.receipts[key] = ("ack", seqs)
            return
        code = reply["code"]
        check(code in REFUSALS, "an unknown refusal code")
        if conn.role == "screen":
            check(code == "forbidden", "the screen was refused for another reason than forbidden")
        elif sent.type not in ROLE_COMMANDS[conn.role]:
            want = "forbidden" if conn.role == "participant" else "participants_only"
            check(code == want, f"a {conn.role} sending {sent.type} must get {want}")
        await self.unchanged()
        answer = ("refused", code, reply["message"])
        if stored is not None and code not in CONSUMER_REFUSALS:
            check(stored == answer, f"retry of {stored} answered differently")
        elif stored is None and (
            code not in CONSUMER_REFUSALS
            or (code == "scenario_invalid" and "scenario_id" not in _fields(sent))
        ):
            self.receipts[key] = answer
            _forget_old_refusals(self.receipts, conn.sender)

    async def unchanged(self) -> None:
        """Nothing was recorded: the log is still where the last ack left it."""
        last_seq = await database_sync_to_async(_last_seq)(self.workshop.pk)
        check(
            last_seq == self.seq, f"a refused command moved the log from {self.seq} to {last_seq}"
        )

    def acked(self, seqs: list[int], frame: object = None) -> None:
        want = list(range(self.seq + 1, self.seq + 1 + len(seqs)))
        check(seqs == want, f"ack seqs {seqs}, but the log was at {self.seq}: lost or extra events")
        self.seq = seqs[-1]
        for seq in seqs:
            self.origin[seq] = _short(frame, 300)

    async def welcomed(self, conn: Conn, sent: Sent, welcome: dict) -> None:
        role = sent.body["role"]
        check(welcome.get("role") == role and welcome.get("seq") == self.seq, "bad welcome")
        check(role != "facilitator", "facilitator hello without a logged-in user")
        conn.role, conn.pid = role, welcome.get("participant")
        last_seq = sent.body.get("last_seq")
        if last_seq is None or last_seq > self.seq or self.seq - last_seq > 500:
            snapshot = await conn.reply()
            check(snapshot["type"] == "snapshot", "no snapshot after welcome", snapshot)
            check(snapshot["seq"] == self.seq, "snapshot seq differs from welcome")
        else:
            # catch-up: redacted by the team held now, then following the replayed moves
            conn.last_seq = last_seq
            if conn.pid is not None:
                conn.team = await database_sync_to_async(_team_of)(self.workshop.pk, conn.pid)

    # -- valid commands that drive the game -----------------------------------------------------

    async def drive(self, item: Drive) -> None:
        state = await database_sync_to_async(service.read_state)(self.workshop.pk)
        if item.actor == "auto":
            seat, command = self.step(state, item.pick)
        elif item.actor == "facilitator":
            seat, command = None, self.facilitator_command(state, item)
        elif not self.seats:
            return
        else:
            seat = self.seats[int(item.actor[1:]) % len(self.seats)]
            if seat.conn is None or seat.pid not in state.people:
                return  # removed in this batch; reseat() replaces them at its end
            command = self.participant_command(state, item, seat.pid)
        if command is None:
            return
        if seat is None:
            conn = self.fuzzed if self.role == "facilitator" else self.facilitator_side
        else:
            conn = seat.conn
        command["id"] = f"drive-{next(self.ids)}"
        self.drives += 1
        if conn is self.fuzzed:
            await self.fuzz(conn, json.dumps(command))
            return
        await conn.send(json.dumps(command))
        reply = await conn.reply()
        check(reply["type"] in ("ack", "refused"), f"{conn.name}: {command} failed", reply)
        if reply["type"] == "ack":
            check(not reply["duplicate"], "a fresh id acknowledged as a duplicate", reply)
            self.acked(reply["seqs"], f"{conn.name}: {command}")
        else:
            try:
                await self.unchanged()
            except Violation as problem:
                raise Violation(f"{problem}\n{conn.name} sent: {command}\nreply: {reply}") from None

    def step(self, state: State, pick: int) -> tuple[Seat | None, dict | None]:
        """The next sensible command for the phase the game is in."""
        current = state.current_round
        players = [s for s in self.seats if s.conn is not None and s.pid in state.people]
        if state.ended:
            return None, None
        if current is None or current.phase is Phase.LEADERBOARD:
            return None, self.facilitator_command(state, Drive("facilitator", "start_round", pick))
        if current.phase is Phase.PITCH and pick % 5:
            for seat in players:
                team = state.team_of(seat.pid)
                if team is not None and team not in current.moves:
                    text = MOVE_TEXTS[pick % len(MOVE_TEXTS)]
                    return seat, {"type": "submit_move", "text": text, "base_version": 0}
        if current.phase is Phase.VOTE and pick % 7:
            for seat in players:
                for team in ballot_for(state, current, seat.pid):
                    if (seat.pid, team) not in current.votes:
                        q1, q2 = ("yes", "unsure", "no")[pick % 3], ("yes", "no")[pick % 2]
                        return seat, {"type": "vote", "team": team, "q1": q1, "q2": q2}
        return None, {"type": "advance"}

    def facilitator_command(self, state: State, item: Drive) -> dict | None:
        pick, teams = item.pick, list(state.teams)
        present = [s.pid for s in self.seats if s.pid in state.people]
        match item.kind:
            case "start_round" if pick % 4 == 0:
                return {"type": "start_round", "scenario_id": self.ref(Ref("scenario_id", pick))}
            case "start_round":
                scenario = {
                    "title": f"Fuzzed round {pick}",
                    "customer": "A guest in a hurry",
                    "situation": "They ask for the bill with a half-full cup.",
                    "ask": "What do you offer?",
                }
                return {"type": "start_round", "scenario": scenario}
            case "assign_team" if present and teams:
                pid = present[pick % len(present)]
                return {
                    "type": "assign_team",
                    "participant": pid,
                    "team": teams[pick % 7 % len(teams)],
                }
            case "assign_any":  # anyone ever seated, or no one, to any team id
                people = [*state.people, *(s.pid for s in self.seats), "0000000000000000"]
                teams = [*state.teams, "t0", "t99"]
                target = people[pick % len(people)]
                return {
                    "type": "assign_team",
                    "participant": target,
                    "team": teams[pick % 11 % len(teams)],
                }
            case "add_team":
                return {"type": "add_team", "name": f"Team {pick}"}
            case "rename_team" if teams:
                return {
                    "type": "rename_team",
                    "team": teams[pick % len(teams)],
                    "name": f"Crew {pick}",
                }
            case "configure":
                settings = [
                    {"ballot_size": 1 + pick % 3, "full_ballot_max_teams": pick % 4},
                    {"full_ballot_max_teams": 8, "ballot_size": 5},
                    {"badge_share": "1/2", "upsell_share": "2/3", "anonymous_moves": pick % 2 == 0},
                ][pick % 3]
                return {"type": "configure", "settings": settings}
            case "adjust_timer":
                return {"type": "adjust_timer", "seconds": pick % 121 - 60}
            case "remove" if "remove_participant" in protocol.COMMANDS:
                sides = [s for s in self.seats if not s.fuzzed]
                if not sides or pick % 3:  # rarer than the others: removals end a seat
                    return None
                target = sides[pick % len(sides)].pid
                return {"type": "remove_participant", "participant": target, "ban": pick % 2 == 0}
            case "advance" | "pause" | "resume":
                return {"type": item.kind}
        return None

    def participant_command(self, state: State, item: Drive, pid: str) -> dict | None:
        pick, current = item.pick, state.current_round
        answers = ("yes", "unsure", "no")
        match item.kind:
            case "submit_move":
                team = state.team_of(pid) if pid in state.people else None
                move = current.moves.get(team) if current and team else None
                text = MOVE_TEXTS[pick % len(MOVE_TEXTS)]
                return {
                    "type": "submit_move",
                    "text": text,
                    "base_version": move.version if move else 0,
                }
            case "vote_any":  # any team: the voter's own, one without a move, off the ballot
                teams = [*state.teams, "t0", "t99"]
                q1, q2 = answers[pick % 3], answers[pick // 3 % 3]
                return {"type": "vote", "team": teams[pick % len(teams)], "q1": q1, "q2": q2}
            case "vote":
                ballot = ballot_for(state, current, pid) if current else []
                team = ballot[pick % len(ballot)] if ballot else f"t{1 + pick % 3}"
                q1, q2 = answers[pick % 3], answers[pick // 3 % 3]
                return {"type": "vote", "team": team, "q1": q1, "q2": q2}
            case "rename":
                return {"type": "rename", "nickname": f"Player {pick % 97}"}
        return None

    # -- end of a batch -------------------------------------------------------------------------

    async def settle(self) -> None:
        """Every connection is alive and up to date; the log holds exactly the acked events."""
        for conn in self.connections():
            try:
                while not conn.alive():  # closed: it must be a removal (Gone), not a crash
                    await conn.read()
                pong = await conn.ping()
            except Gone:
                await self.forget(conn)
                continue
            check(pong.get("seq") == (self.seq if conn.role else None), "pong seq", pong)
            check(conn.role is None or conn.last_seq == self.seq, f"{conn.name} is behind")
        self.check_background()
        last_seq, count, top = await database_sync_to_async(_log_shape)(self.workshop.pk)
        check(
            last_seq == count == top == self.seq,
            f"the log has {count} events up to seq {top} (workshop.last_seq {last_seq}), "
            f"but only {self.seq} were acknowledged",
        )
        fresh = await database_sync_to_async(store.events_after)(
            self.workshop.pk, self.auditor.state.seq
        )
        self.auditor.feed(fresh, self.origin)
        if self.role == "anonymous" and self.fuzzed.role is not None:
            await self.fuzzed.close()  # it said hello successfully: start again without
            self.fuzzed = self.track(Conn(self, "anonymous"))
            await self.fuzzed.open()
        await self.reseat()

    async def end_workshop(self) -> None:
        conn = self.fuzzed if self.role == "facilitator" else self.facilitator_side
        await conn.send(json.dumps({"type": "end_workshop", "id": f"end-{next(self.ids)}"}))
        reply = await conn.reply()
        check(reply["type"] == "ack", "end_workshop failed", reply)
        self.acked(reply["seqs"])
        await self.settle()


def _fields(sent: Sent) -> dict:
    return {k: v for k, v in (sent.body or {}).items() if v is not None}


def _team_of(workshop_id: int, pid: str) -> str | None:
    return service.read_state(workshop_id).team_of(pid)


def _log_position(workshop_id: int) -> tuple[int, dict]:
    last_seq = Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)
    receipts = {}
    rows = Receipt.objects.filter(workshop_id=workshop_id).order_by("pk")
    for actor, client_id, result in rows.values_list("actor", "client_id", "result"):
        sender = actor.removeprefix("participant:") if actor.startswith("participant:") else actor
        if result["ok"]:
            receipts[(sender, client_id)] = ("ack", result["seqs"])
        else:
            receipts[(sender, client_id)] = ("refused", result["code"], result["message"])
    return last_seq, receipts


def _forget_old_refusals(receipts: dict, sender: str) -> None:
    """Only a sender's newest refusals keep their receipt (protocol.md §4): forget the rest, as
    the server does. ``receipts`` keeps insertion order, which is the server's order too."""
    refused = [k for k, v in receipts.items() if k[0] == sender and v[0] == "refused"]
    for key in refused[: max(0, len(refused) - settings.UPSERVE_REFUSED_RECEIPTS_PER_SENDER)]:
        del receipts[key]


def _last_seq(workshop_id: int) -> int:
    return Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)


def _log_shape(workshop_id: int) -> tuple[int, int, int]:
    rows = EventRow.objects.filter(workshop_id=workshop_id)
    top = rows.order_by("-seq").values_list("seq", flat=True).first() or 0
    last_seq = Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)
    return last_seq, rows.count(), top


# -- invariants of the whole log (sync: run after the loop has stopped) ---------------------------


def check_invariants(workshop_id: int) -> dict:
    """The whole log: gapless from 1, folds to the live state, and passes the ``Auditor``."""
    seqs = list(
        EventRow.objects.filter(workshop_id=workshop_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    check(seqs == list(range(1, len(seqs) + 1)), "event seqs are not gapless from 1", seqs[:50])
    last_seq = Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)
    check(last_seq == len(seqs), f"workshop.last_seq {last_seq} but {len(seqs)} events")
    logged = store.events_after(workshop_id, 0)
    folded = fold(x.event for x in logged)
    live = service.read_state(workshop_id)
    check(asdict(folded) == asdict(live), "folding the stored log does not give the live state")
    auditor = Auditor()
    auditor.feed(logged)
    return auditor.stats


class Auditor:
    """Reads the log in order and checks each event against what came before it. Votes are
    counted here independently of the game's fold: one counted vote per (voter, team) per
    round, the last one cast, dropped if the voter is removed before the round is scored."""

    def __init__(self) -> None:
        self.state = State()  # the fold, for membership, phases, moves and ballots
        self.cast: dict[tuple[str, str], tuple[str, str]] = {}  # this round's counted votes
        self.stats = {"events": 0, "votes": 0, "moves": 0, "rounds": 0}

    def feed(self, logged: list[Logged], origin: dict[int, str] | None = None) -> None:
        for x in logged:
            try:
                self.audit(x)
            except Violation as problem:
                written_by = (origin or {}).get(x.seq)
                raise Violation(f"{problem}\nwritten by: {written_by}") from None
            evolve(self.state, x.event, x.seq)
            self.stats["events"] += 1

    def audit(self, x: Logged) -> None:
        kind, data, state = x.event.type, x.event.data, self.state
        current, where = state.current_round, f"seq {x.seq} {kind}: {_short(data)}"
        bad = _unportable(data)
        check(
            bad is None,
            f"{where} holds {bad!r}: PostgreSQL refuses NUL and lone surrogates in jsonb (there "
            "the command gets 'unavailable', forever), and Daphne cannot send a lone surrogate",
        )
        if kind == e.ROUND_STARTED:
            self.cast = {}
        if kind == e.PARTICIPANT_REMOVED and current is not None and current.results is None:
            self.cast = {k: v for k, v in self.cast.items() if k[0] != data["participant"]}
        if kind == e.VOTE_CAST:
            self.stats["votes"] += 1
            voter, team = data["voter"], data["team"]
            check(
                current is not None and current.phase is Phase.VOTE, f"vote outside vote, {where}"
            )
            check(voter in state.people, f"a vote by someone not seated, {where}")
            check(state.team_of(voter) is not None, f"a vote by someone in no team, {where}")
            check(state.team_of(voter) != team, f"a vote on the voter's own team, {where}")
            check(team in current.moves, f"a vote on a team without a move, {where}")
            check(team in ballot_for(state, current, voter), f"a vote off the ballot, {where}")
            self.cast[(voter, team)] = (data["q1"], data["q2"])
            check(data["votes_in"] == len(self.cast), f"votes_in is not the votes counted, {where}")
        if kind == e.MOVE_SAVED:
            self.stats["moves"] += 1
            check(
                current is not None and current.phase is Phase.PITCH, f"move outside pitch, {where}"
            )
            check(
                state.team_of(data["author"]) == data["team"], f"a move for another team, {where}"
            )
            before = current.moves.get(data["team"])
            check(data["version"] == (before.version if before else 0) + 1, f"version, {where}")
        if kind == e.ROUND_SCORED:
            self.stats["rounds"] += 1
            check(set(data["results"]) == set(state.teams), f"results not for every team, {where}")
            for team, result in data["results"].items():
                answers = [a for (_, t), a in self.cast.items() if t == team]
                counted = {
                    q: {v: sum(a[i] == v for a in answers) for v in ("yes", "unsure", "no")}
                    for i, q in enumerate(("q1", "q2"))
                }
                check(
                    result["votes"] == len(answers) and result["answers"] == counted,
                    f"team {team} scored on other votes than one per voter {counted}, {where}",
                )


def _unportable(value) -> str | None:
    """A string in ``value`` that PostgreSQL's jsonb or a UTF-8 text frame cannot carry."""
    if isinstance(value, str):
        try:
            value.encode("utf8")
        except UnicodeEncodeError:
            return value
        return value if "\x00" in value else None
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    return next((bad for bad in map(_unportable, items) if bad is not None), None)
