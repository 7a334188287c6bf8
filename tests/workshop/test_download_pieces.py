"""A long download (an export) goes out a piece at a time, and the event loop that carries every
room's sockets runs other work between the pieces. Django alone read an export to its end into
memory and then sent it line by line without letting anything else run: a 17 MB archive held up
another room's acks for half a second on the embedded server."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from workshop import http
from workshop.http import HttpHandler

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PIECE = 128  # bytes: the small workshop's exports are a few of these


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def _scope(path: str, cookie: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def _download(path: str, cookie: str) -> tuple[int, list[bytes], list[int]]:
    """The status, the body's messages, and how many turns another task had had by each."""
    turns, sent, bodies, seen = 0, {}, [], []
    running = True

    async def other_room() -> None:
        nonlocal turns
        while running:
            turns += 1
            await asyncio.sleep(0)

    requests = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if requests:
            return requests.pop()
        await asyncio.Event().wait()  # the client stays until its download is whole

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        elif message["type"] == "http.response.body" and message.get("body"):
            bodies.append(message["body"])
            seen.append(turns)

    other = asyncio.ensure_future(other_room())
    try:
        await HttpHandler()(_scope(path, cookie), receive, send)
    finally:
        running = False
        await other
    return sent["status"], bodies, seen


@pytest.mark.parametrize("export", ["archive.json", "moves.csv"])
async def test_an_export_is_sent_in_pieces_with_other_work_run_between_them(
    played, fiona, monkeypatch, export
):
    monkeypatch.setattr(http, "PIECE_BYTES", PIECE)
    cookie = await sync_to_async(_session_cookie)(fiona)
    status, bodies, seen = await _download(f"/console/{played.code}/exports/{export}", cookie)
    assert status == 200
    assert len(bodies) >= 2
    assert all(len(body) >= PIECE for body in bodies[:-1])  # pieces, not a message a line
    assert len(set(seen)) == len(seen)  # the loop ran something else before each piece
    if export == "archive.json":
        assert json.loads(b"".join(bodies))["workshop"]["code"] == played.code
