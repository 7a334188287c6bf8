"""Simulated devices: a phone, the screen or the facilitator, speaking docs/protocol.md over a
real WebSocket (the ``websockets`` asyncio client), plus a small HTTP/1.1 client for joining.

A ``Device`` behaves like the shipped browser client (static/upserve/client.js): ``hello`` with
``last_seq`` once it holds state; an outbox resent after every ``welcome``; reconnects with the
same backoff (0.5 s doubling to 10 s, half of it jittered); a ``ping`` every 25 s; and, when
``faithful``, it drops and reconnects on a pong that takes over 10 s, on a gap in the seqs and on
a pong that says it is behind, exactly as the browser does. As it reads it checks that the seqs
are gapless, with no duplicate and nothing out of order, and notes the arrival time of the events
the benchmark measures. Times are ``time.monotonic()``, one clock for every process here.

In ``bare`` mode it speaks the tiny protocol of bench/bare/ instead: no hello, broadcasts ``b``
numbered ``n``, votes ``v`` with the voter's command id."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
import urllib.parse
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

now = time.monotonic

BACKOFF_MIN, BACKOFF_MAX = 0.5, 10.0
PING_EVERY, PONG_WAIT, BUSY_PONG_WAIT, CONNECT_WAIT = 25.0, 10.0, 60.0, 15.0
RETRYABLE = ("unavailable", "rate_limited")
MARKED = frozenset(("phase_changed", "round_started", "round_scored", "workshop_ended"))
_SNAPSHOT_SEQ = re.compile(r'\{"type":"snapshot","seq":(\d+)')
PING = '{"type":"ping"}'


_background: set[asyncio.Task] = set()


def spawn(coroutine) -> asyncio.Task:
    """Run ``coroutine`` in the background, keeping a reference until it is done."""
    task = asyncio.ensure_future(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


def backoff(attempts: int) -> float:
    """client.js: ceiling = min(10 s, 0.5 s * 2^attempts); delay in [ceiling/2, ceiling], >= 0.5 s."""
    ceiling = min(BACKOFF_MAX, BACKOFF_MIN * 2**attempts)
    return max(BACKOFF_MIN, ceiling / 2 + random.random() * ceiling / 2)


def reason(problem: BaseException) -> str:
    if isinstance(problem, InvalidStatus):
        return f"http_{problem.response.status_code}"
    if isinstance(problem, HelloRefused):
        return f"hello_{problem.code}"
    return type(problem).__name__


class HelloRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- HTTP -----------------------------------------------------------------------------------------


class Http:
    """One browser's keep-alive HTTP/1.1 connection with a cookie jar. Just enough for Django's
    join form: GET, POST of a form, Set-Cookie, Content-Length or chunked bodies."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.base, self.host, self.port = base, parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(
        self, method: str, path: str, form: dict | None = None
    ) -> tuple[int, dict, bytes]:
        for attempt in (0, 1):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(method, path, form)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if fresh or attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, form: dict | None) -> tuple[int, dict, bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "User-Agent: upserve-bench", "Accept: text/html"]  # fmt: skip
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        body = b""
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Referer: {self.base}{path}",
            ]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and "max-age=0" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
            headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(chunks)
        elif "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        else:
            data = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, data


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_CONFIG = re.compile(rb'<script id="client-config" type="application/json">(.*?)</script>', re.S)


async def join(base: str, code: str, nickname: str) -> tuple[str | None, float, float, str]:
    """Take a seat as a phone does: GET the join form, POST it, follow the redirect to the play
    page and read the seat token from its client config. Returns (token or None, seconds for
    the whole join, seconds for the POST alone, problem)."""
    http = Http(base)
    t0 = now()
    post = 0.0
    try:
        status, _, page = await http.request("GET", f"/join/{code}/")
        if status != 200:
            return None, now() - t0, post, f"get_{status}"
        token = _CSRF.search(page)
        if token is None:
            return None, now() - t0, post, "no_csrf"
        t1 = now()
        status, headers, _ = await http.request(
            "POST",
            f"/join/{code}/",
            {"csrfmiddlewaretoken": token.group(1).decode(), "nickname": nickname},
        )
        post = now() - t1
        if status != 302 or not headers.get("location", "").endswith(f"/play/{code}/"):
            return None, now() - t0, post, f"post_{status}"
        status, _, page = await http.request("GET", f"/play/{code}/")
        config = _CONFIG.search(page)
        if status != 200 or config is None:
            return None, now() - t0, post, f"play_{status}"
        seat = json.loads(config.group(1))["token"]
        return seat, now() - t0, post, ""
    except (OSError, asyncio.IncompleteReadError, ValueError) as problem:
        return None, now() - t0, post, type(problem).__name__
    finally:
        await http.close()


# -- WebSocket devices ----------------------------------------------------------------------------


class Device:
    def __init__(
        self,
        index: int,
        code: str,
        base: str,
        role: str = "participant",
        token: str = "",
        cookie: str = "",
        mode: str = "project",
        faithful: bool = True,
        ping_every: float | None = PING_EVERY,
        keep_snapshot: bool = False,
        record_all: bool = False,
    ) -> None:
        self.index, self.code, self.base, self.role = index, code, base, role
        self.token, self.cookie, self.mode, self.faithful = token, cookie, mode, faithful
        self.ping_every, self.keep_snapshot, self.record_all = ping_every, keep_snapshot, record_all
        ws_base = base.replace("http://", "ws://")
        path = f"/ws/workshops/{code}/" if mode == "project" else f"/ws/rooms/{code}/"
        self.url = ws_base + path
        self.ws = None
        self.task: asyncio.Task | None = None
        self.stopped = False
        self.welcomed = False
        # identity and ballot
        self.pid: str | None = None
        self.team: str | None = None
        self.slot = 0
        self.ring: list[str] | None = None
        self.n_teams = 0
        self.snapshot: dict | None = None
        # the event stream
        self.last_seq: int | None = None
        self.missing: set[int] = set()
        self.gaps = self.dups = self.ooo = self.skipped = 0
        self.marks: dict[int, float] = {}  # seq (or bare broadcast n) -> arrival
        self.seen: dict = {}  # record_all: seq (or bare vote id) -> arrival
        self.bare_votes = self.bare_broadcasts = 0
        # commands: id -> [frame, first send time]; finished: (id, sent, answered, seq, outcome)
        self.pending: dict[str, list] = {}
        self.done: list[tuple] = []
        self.waiters: dict[str, asyncio.Future] = {}
        self.pong_waiters: list[asyncio.Future] = []
        self.counter = 0
        # connection history
        self.attempts = self.welcomes = self.snapshots = self.closes = 0
        self.failures: Counter = Counter()
        self.errors: Counter = Counter()
        self.drops: Counter = Counter()  # why this client dropped its own socket
        self.seat_lost = False
        self.reconnect_now = False
        self.drops_pending = False  # a gap drop is under way: ignore the rest of this socket
        self.gap_examples: list[dict] = []
        self.trace: list[str] | None = [] if faithful else None  # the last frames, for gap reports
        self.t_start: float | None = None
        self.t_ready: float | None = None  # first snapshot (bare: first open)
        self.t_welcome: float | None = None  # latest welcome (bare: latest open)
        self.heard_at = 0.0  # when this device last received anything
        self.catch_target: int | None = None
        self.t_caught: float | None = None
        self.next_ping = 0.0
        self.ping_sent: float | None = None

    # -- connection ----------------------------------------------------------------------------

    def start(self) -> None:
        self.t_start = now()
        self.next_ping = now() + random.uniform(0, self.ping_every or 0)
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self.stopped = True
        ws = self.ws
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(), 2)
            except Exception:
                ws.transport.abort()
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    def drop(self, why: str, abrupt: bool = False) -> None:
        """Lose the socket; the run loop reconnects with backoff (or at once, like client.js)."""
        self.drops[why] += 1
        self.reconnect_now = why in ("gap", "behind")
        ws = self.ws
        if ws is not None:
            ws.transport.abort() if abrupt else spawn(ws.close())

    async def _run(self) -> None:
        failed_in_a_row = 0
        while not self.stopped:
            self.attempts += 1
            ws = None
            try:
                ws = await connect(
                    self.url,
                    origin=self.base,
                    additional_headers={"Cookie": self.cookie} if self.cookie else None,
                    open_timeout=CONNECT_WAIT,
                    ping_interval=None,
                    compression=None,
                    max_size=None,
                    close_timeout=2,
                )
                self.ws = ws
                if self.mode == "project":
                    await self._hello(ws)
                else:
                    self.welcomed = True
                    self.t_welcome = now()
                    self.welcomes += 1
                    if self.t_ready is None:
                        self.t_ready = self.t_welcome
                failed_in_a_row = 0
                async for raw in ws:
                    self.on_message(raw)
                if not self.stopped:
                    self.closes += 1
            except ConnectionClosed:
                if not self.stopped:
                    self.closes += 1
            except asyncio.CancelledError:
                raise
            except Exception as problem:
                self.failures[reason(problem)] += 1
                failed_in_a_row += 1
            finally:
                self.welcomed = False
                self.drops_pending = False
                self.ws = None
                if ws is not None:
                    ws.transport.abort()
                for future in self.pong_waiters:
                    if not future.done():
                        future.set_result(None)
                self.pong_waiters.clear()
            if self.stopped or self.seat_lost:
                return
            immediate, self.reconnect_now = self.reconnect_now and failed_in_a_row == 0, False
            await asyncio.sleep(0 if immediate else backoff(failed_in_a_row))

    async def _hello(self, ws) -> None:
        hello = {"type": "hello", "protocol": 1, "role": self.role}
        if self.token:
            hello["token"] = self.token
        if self.last_seq is not None:
            hello["last_seq"] = self.last_seq
        await ws.send(json.dumps(hello))
        raw = await asyncio.wait_for(ws.recv(), CONNECT_WAIT)
        message = json.loads(raw)
        if message["type"] == "error":
            if message["code"] == "auth_failed":
                self.seat_lost = True
            raise HelloRefused(message["code"])
        if message["type"] != "welcome":
            raise HelloRefused("no_welcome")
        self.on_message(raw, message)

    # -- reading ------------------------------------------------------------------------------

    def on_message(self, raw: str, message: dict | None = None) -> None:
        t = self.heard_at = now()
        if self.trace is not None:
            self.trace.append(raw[:70])
            del self.trace[:-8]
        if self.mode == "bare":
            return self._bare(json.loads(raw), t)
        if message is None:
            if raw.startswith('{"type":"snapshot"') and not self.keep_snapshot:
                # Parsing a big room's snapshot in every simulated phone would only measure the
                # load generator; the benchmark reads the seq and takes team and slot from the
                # roster (a screen's snapshot).
                return self._snapshot(int(_SNAPSHOT_SEQ.match(raw).group(1)), t)
            message = json.loads(raw)
        kind = message["type"]
        if kind == "event":
            self._event(message, t)
        elif kind == "snapshot":
            self.snapshot = message["state"]
            self._snapshot(message["seq"], t)
        elif kind == "welcome":
            self.welcomed = True
            self.welcomes += 1
            self.t_welcome = t
            self.pid = message["participant"]
            self.ping_sent = None
            for frame, _ in self.pending.values():
                spawn(self._send(frame))
        elif kind == "ack":
            self._answer(
                message["id"], t, message["seqs"][0] if message["seqs"] else None, "ack", message
            )
        elif kind == "refused":
            self._answer(message["id"], t, None, "refused:" + message["code"], message)
        elif kind == "error":
            client_id = message.get("id")
            if client_id in self.pending and message["code"] in RETRYABLE:
                asyncio.get_running_loop().call_later(
                    1 + random.random(), lambda: spawn(self._resend(client_id))
                )
            elif client_id in self.pending:
                self._answer(client_id, t, None, "error:" + message["code"], message)
            else:
                self.errors[message["code"]] += 1
        elif kind == "pong":
            self.ping_sent = None
            behind = (
                message["seq"] is not None
                and self.last_seq is not None
                and self.last_seq < message["seq"]
            )
            if self.pong_waiters:
                self.pong_waiters.pop(0).set_result(message)
            if behind:
                self.errors["pong_behind"] += 1
                if self.faithful:
                    self.drop("behind")

    def _snapshot(self, seq: int, t: float) -> None:
        self.snapshots += 1
        if self.last_seq is not None and seq > self.last_seq:
            self.skipped += seq - self.last_seq  # replaced by the snapshot, not lost
        self.missing = {s for s in self.missing if s > seq}
        self.last_seq = seq
        if self.t_ready is None:
            self.t_ready = t
        self._caught(seq, t)

    def _event(self, message: dict, t: float) -> None:
        if self.drops_pending:
            return
        seq = message["seq"]
        first = message.get("first_seq", seq)  # a coalesced run of redacted vote_cast (§6.3)
        last = self.last_seq
        if last is None:
            self.ooo += 1
            return
        if seq <= last:
            if seq in self.missing:
                self.missing.discard(seq)
                self.ooo += 1
            else:
                self.dups += 1
            return
        if first <= last:  # a run that overlaps what this phone already has
            self.dups += 1
            first = last + 1
        if first > last + 1:
            self.gaps += 1
            if len(self.gap_examples) < 3:
                self.gap_examples.append({
                    "expected": last + 1, "got": first, "event": message["event"],
                    "connection": self.welcomes, "after_welcome_s": round(t - (self.t_welcome or t), 3),
                    "last_frames": list(self.trace or []),
                })  # fmt: skip
            if self.faithful:
                # client.js: do not apply it; drop and resume from the last seq applied.
                if self.ws is not None and not self.drops_pending:
                    self.drops_pending = True
                    self.drop("gap")
                return
            if first - last < 100_000:
                self.missing.update(range(last + 1, first))
        self.last_seq = seq
        kind = message["event"]
        if kind in MARKED:
            self.marks[seq] = t
            if kind == "phase_changed" and "ballot_rings" in message["data"]:
                rings = message["data"]["ballot_rings"]
                self.n_teams = len(rings)
                self.ring = rings.get(self.team) if self.team else None
        if self.record_all:
            for s in range(first, seq + 1):
                self.seen[s] = t
        self._caught(seq, t)

    def _caught(self, seq: int, t: float) -> None:
        if self.catch_target is not None and self.t_caught is None and seq >= self.catch_target:
            self.t_caught = t

    def _bare(self, message: dict, t: float) -> None:
        kind = message["type"]
        if kind == "v":
            self.bare_votes += 1
            if self.record_all:
                self.seen[message["id"]] = t
        elif kind == "b":
            self.bare_broadcasts += 1
            self.marks[message["n"]] = t
        elif kind == "ack":
            self._answer(message["id"], t, None, "ack", message)
        elif kind == "pong":
            self.ping_sent = None

    def _answer(
        self, client_id: str, t: float, seq: int | None, outcome: str, message: dict
    ) -> None:
        entry = self.pending.pop(client_id, None)
        if entry is not None:
            self.done.append((client_id, entry[1], t, seq, outcome))
        waiter = self.waiters.pop(client_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    # -- sending -------------------------------------------------------------------------------

    async def _send(self, frame: str) -> None:
        ws = self.ws
        if ws is None or not self.welcomed:
            return  # stays in the outbox; resent after the next welcome
        with contextlib.suppress(ConnectionClosed):
            await ws.send(frame)

    async def _resend(self, client_id: str) -> None:
        entry = self.pending.get(client_id)
        if entry is not None:
            await self._send(entry[0])

    def new_id(self) -> str:
        self.counter += 1
        return f"{self.role[0]}{self.index}-{self.counter}"

    async def send_command(self, type_: str, **fields) -> str:
        client_id = self.new_id()
        frame = json.dumps({"type": type_, "id": client_id, **fields})
        self.pending[client_id] = [frame, now()]
        await self._send(frame)
        return client_id

    async def command(
        self, type_: str, timeout: float = 120, **fields
    ) -> tuple[dict, float, float]:
        """Send a command and wait for its answer: (answer, sent at, answered at)."""
        client_id = self.new_id()
        frame = json.dumps({"type": type_, "id": client_id, **fields})
        future = asyncio.get_running_loop().create_future()
        self.waiters[client_id] = future
        sent = now()
        self.pending[client_id] = [frame, sent]
        await self._send(frame)
        answer = await asyncio.wait_for(future, timeout)
        return answer, sent, now()

    async def ping(self, timeout: float = 60) -> dict | None:
        future = asyncio.get_running_loop().create_future()
        self.pong_waiters.append(future)
        self.ping_sent = now()
        await self._send(PING)
        return await asyncio.wait_for(future, timeout)

    def heartbeat(self, t: float) -> None:
        """client.js's 5-second heartbeat: a ping every 25 s; no pong within 10 s drops the socket."""
        if not self.welcomed or self.ping_every is None:
            return
        if self.ping_sent is not None:
            # As client.js: frames still arriving since the ping mean a busy server: wait longer.
            busy = self.heard_at > self.ping_sent and t - self.ping_sent < BUSY_PONG_WAIT
            if self.faithful and t - self.ping_sent > PONG_WAIT and not busy:
                self.ping_sent = None
                self.drop("pong_timeout")
        elif t >= self.next_ping:
            self.next_ping = t + self.ping_every
            self.ping_sent = t
            spawn(self._send(PING))

    def ballot(self, ballot_size: int, full_max: int) -> list[str]:
        """docs/protocol.md §9, from the vote's ballot rings and this phone's team and slot."""
        ring = self.ring or []
        if self.n_teams <= full_max or len(ring) <= ballot_size:
            return list(ring)
        start = (self.slot * ballot_size) % len(ring)
        return [ring[(start + k) % len(ring)] for k in range(ballot_size)]
