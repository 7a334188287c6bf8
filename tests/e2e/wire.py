"""A real client of the protocol over real sockets: HTTP for login and joining, WebSockets for
the game. It checks, as it reads, that the event stream has no gap and no duplicate."""

from __future__ import annotations

import asyncio
import http.cookiejar
import itertools
import json
import re
import urllib.parse
import urllib.request

from websockets.asyncio.client import connect

_ids = itertools.count(1)


class Browser:
    """Just enough of a browser: cookies, CSRF tokens, form posts."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def post_form(self, path: str, fields: dict) -> tuple[str, str]:
        _, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

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


def join(base: str, code: str, nickname: str) -> str:
    """Join from a 'phone'; returns the seat token the server set."""
    phone = Browser(base)
    url, _ = phone.post_form(f"/join/{code}/", {"nickname": nickname})
    assert url.endswith(f"/play/{code}/"), f"join failed, landed on {url}"
    return phone.cookie(f"upserve_seat_{code}")


class Client:
    def __init__(self, code: str, name: str, role: str, token: str = "", cookie: str = "") -> None:
        self.code, self.name, self.role, self.token, self.cookie = code, name, role, token, cookie
        self.last_seq = 0
        self.seqs: list[int] = []
        self.events: list[dict] = []
        self.snapshot: dict | None = None
        self.you: str | None = None
        self._replies: dict[str, asyncio.Future] = {}
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._seq_changed = asyncio.Condition()
        self.failure: AssertionError | None = None

    async def connect(self, base: str) -> None:
        ws_base = base.replace("http://", "ws://")
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self._socket = await connect(
            f"{ws_base}/ws/workshops/{self.code}/", origin=base, additional_headers=headers
        )
        hello = {"type": "hello", "protocol": 1, "role": self.role, "token": self.token}
        if self.last_seq:
            hello["last_seq"] = self.last_seq
        await self._socket.send(json.dumps(hello))
        welcome = json.loads(await self._socket.recv())
        assert welcome["type"] == "welcome", welcome
        self.you = welcome["participant"]
        if "last_seq" not in hello:
            first = json.loads(await self._socket.recv())
            assert first["type"] == "snapshot", first
            self.snapshot, self.last_seq = first["state"], first["seq"]
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            await self._read_frames()
        except AssertionError as broken:
            self.failure = broken
            async with self._seq_changed:
                self._seq_changed.notify_all()

    async def _read_frames(self) -> None:
        async for frame in self._socket:
            message = json.loads(frame)
            kind = message["type"]
            if kind == "snapshot":
                self.snapshot = message["state"]
                await self._advance_to(message["seq"])
            elif kind == "event":
                first = message.get("first_seq", message["seq"])
                assert first == self.last_seq + 1, (
                    f"{self.name}: got seq {first} after {self.last_seq}"
                )
                self.events.append(message)
                self.seqs.extend(range(first, message["seq"] + 1))
                await self._advance_to(message["seq"])
            elif kind in ("ack", "refused", "error") and message.get("id") in self._replies:
                self._replies.pop(message["id"]).set_result(message)

    async def _advance_to(self, seq: int) -> None:
        async with self._seq_changed:
            self.last_seq = seq
            self._seq_changed.notify_all()

    async def command(self, type_: str, **fields) -> dict:
        client_id = f"{self.name}-{next(_ids)}"
        future = asyncio.get_running_loop().create_future()
        self._replies[client_id] = future
        await self._socket.send(json.dumps({"type": type_, "id": client_id, **fields}))
        return await asyncio.wait_for(future, 15)

    async def must(self, type_: str, **fields) -> dict:
        reply = await self.command(type_, **fields)
        assert reply["type"] == "ack", f"{self.name} {type_}: {reply}"
        return reply

    async def wait_for_seq(self, seq: int, timeout: float = 15) -> None:
        async with self._seq_changed:
            await asyncio.wait_for(
                self._seq_changed.wait_for(lambda: self.last_seq >= seq), timeout
            )

    async def drop(self) -> None:
        """Lose the connection as a phone does (no goodbye from the app)."""
        await self._socket.close()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def close(self) -> None:
        await self.drop()

    def event_data(self, kind: str) -> list[dict]:
        return [m["data"] for m in self.events if m["event"] == kind]
