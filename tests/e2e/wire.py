"""A real client of the protocol over real sockets: HTTP for login and joining, WebSockets for
the game. It checks, as it reads, that the event stream has no gap and no duplicate.

It behaves like the reference client of docs/protocol.md §3-4: every command sits in an outbox
until its ``ack`` or ``refused`` (or an error other than ``unavailable``) arrives; on reconnect it
says the last seq it applied and resends the outbox unchanged, with the same ids."""

from __future__ import annotations

import asyncio
import http.cookiejar
import itertools
import json
import re
import ssl
import time
import urllib.parse
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

_ids = itertools.count(1)

# Errors after which the same command may (and should) be sent again with the same id.
RETRYABLE = ("unavailable", "rate_limited")


def trusting_tls() -> ssl.SSLContext:
    """TLS that trusts the throw-away certificate of a test's own proxy on this machine."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Browser:
    """Just enough of a browser: cookies, CSRF tokens, form posts."""

    timeout = 10  # seconds per request

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)]
        if base.startswith("https://"):
            handlers.append(urllib.request.HTTPSHandler(context=trusting_tls()))
        self.opener = urllib.request.build_opener(*handlers)

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=self.timeout) as response:
            return response.geturl(), response.read().decode()

    def post_form(self, path: str, fields: dict) -> tuple[str, str]:
        _, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=self.timeout) as response:
            return response.geturl(), response.read().decode()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def has_cookie(self, name: str) -> bool:
        return any(c.name == name for c in self.jar)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def log_in(base: str, username: str, password: str) -> Browser:
    browser = Browser(base)
    url, _ = browser.post_form("/accounts/login/", {"username": username, "password": password})
    assert url.endswith("/console/"), f"login failed, landed on {url}"
    return browser


def create_workshop(browser: Browser, title: str, teams: int) -> str:
    url, _ = browser.post_form("/console/", {"title": title, "teams": teams, "deck": ""})
    return url.rstrip("/").rsplit("/", 1)[-1]


def join_phone(base: str, code: str, nickname: str) -> Browser:
    """Join from a 'phone'; returns its browser, which holds the seat cookie."""
    phone = Browser(base)
    url, _ = phone.post_form(f"/join/{code}/", {"nickname": nickname})
    assert url.endswith(f"/play/{code}/"), f"join failed, landed on {url}"
    return phone


def join(base: str, code: str, nickname: str) -> str:
    """Join from a 'phone'; returns the seat token the server set."""
    return join_phone(base, code, nickname).cookie(f"upserve_seat_{code}")


def seat_cookie(code: str) -> str:
    return f"upserve_seat_{code}"


class HelloRefused(Exception):
    """The server answered ``hello`` with an error (e.g. ``unavailable``)."""

    def __init__(self, reply: dict) -> None:
        super().__init__(f"hello refused: {reply}")
        self.reply = reply


# What a reconnect may run into while a server is down or restarting.
_CONNECT_ERRORS = (OSError, InvalidHandshake, ConnectionClosed, HelloRefused, TimeoutError)


class Client:
    def __init__(self, code: str, name: str, role: str, token: str = "", cookie: str = "") -> None:
        self.code, self.name, self.role, self.token, self.cookie = code, name, role, token, cookie
        self.last_seq = 0
        self.seqs: list[int] = []
        self.events: list[dict] = []
        self.snapshot: dict | None = None
        self.snapshots = 0  # how many snapshots arrived (a resumed connection gets none)
        self.you: str | None = None
        self.presence: set[str] | None = None  # a facilitator's latest list of who is online
        self.base: str | None = None  # the server of the current (or last) connection
        self.connections = 0  # successful hellos
        self.welcomes: list[dict] = []
        # Every command sent and not yet answered for good, by id, exactly as sent.
        self.outbox: dict[str, dict] = {}
        # Every answer (ack, refused, error) received, by command id, in order of arrival.
        self.answers: dict[str, list[dict]] = {}
        self.errors: list[dict] = []  # errors that answer no pending command (rate_limited, ...)
        self.received: list[tuple[float, dict]] = []  # (time.monotonic(), answer) in order
        self.transmitted: list[tuple[float, str]] = []  # (time.monotonic(), command id)
        self.resent: list[str] = []  # ids resent after a reconnect
        self.sent: dict[str, dict] = {}  # every command ever sent, by id
        self._replies: dict[str, asyncio.Future] = {}
        self._pings: deque[asyncio.Future] = deque()
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._seq_changed = asyncio.Condition()
        self._reconnecting = asyncio.Lock()
        self.failure: AssertionError | None = None

    # -- connecting -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._reader is not None and not self._reader.done()

    async def connect(self, base: str, *, resume: bool = True, resend: bool = False) -> None:
        """Open a socket and say hello: with ``last_seq`` when this client has applied events
        (and ``resume``), else asking for a snapshot. With ``resend``, then resend the outbox."""
        assert not self.connected, f"{self.name} is already connected"
        ws_base = base.replace("https://", "wss://").replace("http://", "ws://")
        headers = {"Cookie": self.cookie} if self.cookie else {}
        socket = await connect(
            f"{ws_base}/ws/workshops/{self.code}/",
            origin=base,
            additional_headers=headers,
            open_timeout=10,
            ssl=trusting_tls() if base.startswith("https://") else None,
        )
        try:
            hello = {"type": "hello", "protocol": 1, "role": self.role, "token": self.token}
            if resume and self.last_seq:
                hello["last_seq"] = self.last_seq
            await socket.send(json.dumps(hello))
            welcome = json.loads(await asyncio.wait_for(socket.recv(), 15))
            if welcome["type"] == "error":
                raise HelloRefused(welcome)
            assert welcome["type"] == "welcome", welcome
            snapshot = None
            if "last_seq" not in hello:
                snapshot = json.loads(await asyncio.wait_for(socket.recv(), 15))
                assert snapshot["type"] == "snapshot", snapshot
        except BaseException:
            await socket.close()
            raise
        self.welcomes.append(welcome)
        self.you = welcome["participant"]
        if snapshot is not None:
            self.snapshot, self.last_seq = snapshot["state"], snapshot["seq"]
            self.snapshots += 1
        self._socket, self.base = socket, base
        self.connections += 1
        self._reader = asyncio.create_task(self._read(socket))
        if resend:
            await self.resend_outbox()

    async def reconnect(
        self, bases: list[str], timeout: float = 60, replace: int | None = None
    ) -> str:
        """Reconnect as a phone does: try the servers in turn with a short backoff, resume from
        ``last_seq`` and resend the outbox. Returns the base it got through to.

        Several tasks of one phone may find the socket gone at once: only one reconnects. A
        live socket is kept, unless it is connection number ``replace`` (given up on)."""
        async with self._reconnecting:
            if self.connected:
                if replace is None or replace != self.connections:
                    return self.base
                await self.drop()
            return await self._reconnect(bases, timeout)

    async def _reconnect(self, bases: list[str], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        pause, attempt = 0.05, 0
        while True:
            base = bases[attempt % len(bases)]
            attempt += 1
            try:
                await self.connect(base, resend=True)
                return base
            except _CONNECT_ERRORS as problem:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} could not reconnect: {problem!r}") from None
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    # -- reading ----------------------------------------------------------------------------

    async def _read(self, socket) -> None:
        try:
            async for frame in socket:
                await self._handle(json.loads(frame))
        except ConnectionClosed:
            pass
        except AssertionError as broken:
            self.failure = broken
        finally:
            if socket is self._socket:
                self._lost()
            async with self._seq_changed:
                self._seq_changed.notify_all()

    def _lost(self) -> None:
        """The socket is gone: every pending command stays in the outbox, and its waiter learns
        that no answer is coming on this connection."""
        for client_id, future in list(self._replies.items()):
            if not future.done():
                future.set_result({"type": "closed", "id": client_id})
        while self._pings:
            future = self._pings.popleft()
            if not future.done():
                future.set_result({"type": "closed"})

    async def _handle(self, message: dict) -> None:
        kind = message["type"]
        if kind == "snapshot":
            self.snapshot = message["state"]
            self.snapshots += 1
            await self._advance_to(message["seq"])
        elif kind == "event":
            # A message with first_seq stands for a run of redacted votes: first_seq..seq.
            first = message.get("first_seq", message["seq"])
            assert first == self.last_seq + 1, f"{self.name}: got seq {first} after {self.last_seq}"
            self.events.append(message)
            self.seqs.extend(range(first, message["seq"] + 1))
            await self._advance_to(message["seq"])
        elif kind == "presence":
            async with self._seq_changed:
                self.presence = set(message["online"])
                self._seq_changed.notify_all()
        elif kind == "pong":
            if self._pings:
                self._pings.popleft().set_result(message)
        elif kind in ("ack", "refused", "error"):
            client_id = message.get("id")
            if client_id is None or (kind == "error" and client_id not in self.outbox):
                self.errors.append(message)
                if kind == "error" and self._pings and client_id is None:
                    # A ping the server could not answer (e.g. unavailable).
                    self._pings.popleft().set_result(message)
                return
            self.answers.setdefault(client_id, []).append(message)
            self.received.append((time.monotonic(), message))
            if kind != "error" or message["code"] not in RETRYABLE:
                self.outbox.pop(client_id, None)
            future = self._replies.get(client_id)
            if future is not None and not future.done():
                future.set_result(message)

    async def _advance_to(self, seq: int) -> None:
        async with self._seq_changed:
            self.last_seq = seq
            self._seq_changed.notify_all()

    # -- commands ---------------------------------------------------------------------------

    def new_id(self) -> str:
        return f"{self.name}-{next(_ids)}"

    def _future(self, client_id: str, fresh: bool = False) -> asyncio.Future:
        """The answer to the latest transmission of ``client_id`` (``fresh``: a new one)."""
        future = self._replies.get(client_id)
        if future is None or (fresh and future.done()):
            future = asyncio.get_running_loop().create_future()
            self._replies[client_id] = future
        return future

    async def send(self, type_: str, client_id: str | None = None, **fields) -> str:
        """Send a command without waiting for its answer (see ``reply``). Returns its id."""
        client_id = client_id or self.new_id()
        message = {"type": type_, "id": client_id, **fields}
        self.outbox[client_id] = self.sent[client_id] = message
        await self._transmit(client_id)
        return client_id

    async def _transmit(self, client_id: str) -> None:
        future = self._future(client_id, fresh=True)
        self.transmitted.append((time.monotonic(), client_id))
        try:
            await self._socket.send(json.dumps(self.outbox[client_id]))
        except ConnectionClosed:
            if not future.done():
                future.set_result({"type": "closed", "id": client_id})

    async def resend(self, client_id: str) -> None:
        """Send an unanswered command again, unchanged."""
        await self._transmit(client_id)

    async def resend_outbox(self) -> list[str]:
        ids = list(self.outbox)
        for client_id in ids:
            self.resent.append(client_id)
            await self._transmit(client_id)
        return ids

    async def reply(self, client_id: str, timeout: float = 15) -> dict:
        """The answer to the latest transmission of ``client_id``; ``{"type": "closed"}`` if the
        connection was lost first."""
        return await asyncio.wait_for(asyncio.shield(self._future(client_id)), timeout)

    async def command(self, type_: str, client_id: str | None = None, **fields) -> dict:
        client_id = await self.send(type_, client_id, **fields)
        return await self.reply(client_id)

    async def must(self, type_: str, **fields) -> dict:
        reply = await self.command(type_, **fields)
        assert reply["type"] == "ack", f"{self.name} {type_}: {reply}"
        return reply

    async def reliably(
        self,
        type_: str,
        bases: list[str],
        client_id: str | None = None,
        timeout: float = 60,
        **fields,
    ) -> dict:
        """Send a command and see it through faults, as docs/protocol.md §4 asks of a client:
        reconnect (resending the outbox) when the socket is lost, resend with the same id after
        ``unavailable``, until the command has its ``ack`` or ``refused``."""
        deadline = time.monotonic() + timeout
        client_id = client_id or self.new_id()
        if client_id not in self.outbox:
            self.outbox[client_id] = self.sent[client_id] = {
                "type": type_,
                "id": client_id,
                **fields,
            }
        # else: a command still waiting in the outbox is resent unchanged
        if self.connected:
            await self._transmit(client_id)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name} {type_} {client_id} got no answer in {timeout} s")
            if not self.connected:
                await self.reconnect(bases, timeout=left)  # resends the outbox
                continue
            current = self.connections
            try:
                reply = await self.reply(client_id, timeout=min(left, 10))
            except TimeoutError:  # no answer on a live socket: give up on it
                await self.reconnect(bases, timeout=max(left, 1), replace=current)
                continue
            if reply["type"] == "closed":
                continue
            if reply["type"] == "error" and reply["code"] in RETRYABLE:
                await asyncio.sleep(0.2)
                if self.connected:
                    await self._transmit(client_id)
                continue
            return reply

    async def ping(self, timeout: float = 15) -> dict:
        """Send ``ping``; returns the ``pong`` (every event before it has been applied by then),
        an ``error``, or ``{"type": "closed"}``."""
        if not self.connected:
            return {"type": "closed"}
        future = asyncio.get_running_loop().create_future()
        self._pings.append(future)
        try:
            await self._socket.send(json.dumps({"type": "ping"}))
        except ConnectionClosed:
            if not future.done():
                future.set_result({"type": "closed"})
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def wait_for_seq(self, seq: int, timeout: float = 15) -> None:
        async with self._seq_changed:
            await asyncio.wait_for(
                self._seq_changed.wait_for(lambda: self.last_seq >= seq or self.failure),
                timeout,
            )
        if self.failure:
            raise self.failure

    async def wait_for_presence(self, online: set[str], timeout: float = 15) -> None:
        """Until this facilitator's list of who is connected is exactly ``online``."""
        async with self._seq_changed:
            await asyncio.wait_for(
                self._seq_changed.wait_for(lambda: self.presence == online or self.failure),
                timeout,
            )
        if self.failure:
            raise self.failure

    async def drop(self, abrupt: bool = False) -> None:
        """Lose the connection as a phone does (no goodbye from the app). ``abrupt`` cuts the
        TCP connection without a WebSocket close frame, like a phone leaving Wi-Fi."""
        if self._socket is None:
            return
        if abrupt:
            self._socket.transport.abort()
        else:
            await self._socket.close()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def close(self) -> None:
        await self.drop()

    def event_data(self, kind: str) -> list[dict]:
        return [m["data"] for m in self.events if m["event"] == kind]

    def acks(self) -> dict[str, dict]:
        """The first ack of every command that got one (a retry's ack repeats its seqs)."""
        return {
            cid: next(a for a in answers if a["type"] == "ack")
            for cid, answers in self.answers.items()
            if any(a["type"] == "ack" for a in answers)
        }


# -- many phones ----------------------------------------------------------------------------------


def seat_many(bases: list[str], code: str, nicknames: list[str], workers: int = 8) -> list[str]:
    """Join one phone per nickname over HTTP, spread over ``bases``; returns their seat tokens
    in order."""
    with ThreadPoolExecutor(workers) as pool:
        return list(
            pool.map(
                lambda item: join(bases[item[0] % len(bases)], code, item[1]),
                enumerate(nicknames),
            )
        )


async def connect_many(clients: list[Client], bases: list[str], concurrency: int = 25) -> None:
    """Connect every client, client i to ``bases[i % len(bases)]``."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int, client: Client) -> None:
        async with gate:
            await client.connect(bases[i % len(bases)])

    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
