"""A test client for the game consumer: says hello, collects what the server sends."""

from __future__ import annotations

import itertools
import json
from importlib import import_module

from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings

from game.routing import websocket_urlpatterns

application = URLRouter(websocket_urlpatterns)
_ids = itertools.count(1)


@database_sync_to_async
def logged_in_session(user):
    """A saved session of ``user`` logged in, as the login page leaves it (the socket reads the
    facilitator from the session, as it does from the session cookie)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session


class Client:
    def __init__(self, code: str, user=None) -> None:
        self.communicator = WebsocketCommunicator(application, f"/ws/workshops/{code}/")
        self.user = user
        self.events: list[dict] = []
        self.last_seq = 0
        self.presence: list[list[str]] = []  # each presence frame's list, in arrival order

    async def open(self) -> None:
        if self.user is not None and "session" not in self.communicator.scope:
            self.communicator.scope["session"] = await logged_in_session(self.user)
        connected, _ = await self.communicator.connect()
        assert connected

    async def hello(self, role: str, token: str = "", last_seq: int | None = None) -> dict:
        await self.open()
        message = {"type": "hello", "protocol": 1, "role": role, "token": token}
        if last_seq is not None:
            message["last_seq"] = last_seq
            self.last_seq = last_seq
        await self.send(message)
        return await self.receive()

    async def send(self, message: dict | str) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        await self.communicator.send_to(text_data=text)

    async def _frame(self, timeout: float) -> dict:
        message = json.loads(await self.communicator.receive_from(timeout=timeout))
        if message["type"] == "presence":
            self.presence.append(message["online"])
        if message["type"] == "event":
            first = message.get("first_seq", message["seq"])
            assert first == self.last_seq + 1, "gap or duplicate in the event stream"
            self.events.append(message)
        if message["type"] in ("event", "snapshot"):
            self.last_seq = message["seq"]
        return message

    async def receive(self, timeout: float = 3) -> dict:
        """The next frame but presence frames, which come at any time and are recorded."""
        while (message := await self._frame(timeout))["type"] == "presence":
            pass
        return message

    async def command(self, type_: str, **fields) -> dict:
        """Send a command and return its ack/refused/error, collecting events on the way."""
        client_id = fields.pop("id", f"c{next(_ids)}")
        await self.send({"type": type_, "id": client_id, **fields})
        while True:
            message = await self.receive()
            if message["type"] in ("ack", "refused", "error") and message.get("id") == client_id:
                return message

    async def drain(self) -> list[dict]:
        """Everything already waiting for this client."""
        received = []
        while not await self.communicator.receive_nothing(timeout=0.2):
            message = await self._frame(timeout=3)
            if message["type"] != "presence":
                received.append(message)
        return received

    async def close(self) -> None:
        await self.communicator.disconnect()
