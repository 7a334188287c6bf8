"""The HTTP handler: Django's pages in one hop to a pool of threads, not a thread per request."""

import asyncio
import json
import re
import threading
from collections import Counter

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.core.signals import request_finished, request_started
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from game.commit import Submission
from game.core.commands import LockJoining
from game.core.model import FACILITATOR, Role
from game.core.visibility import Viewer
from game.lanes import DISPLAYS
from game.models import Event
from game.rooms import rooms
from game.writer import writer
from workshop import http
from workshop.http import THREADS, HttpHandler

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def http_scope(method: str, path: str, headers: list) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def fetch(handler, method: str, path: str, body: bytes = b"", cookies: str = "", form=False):
    headers = []
    if cookies:
        headers.append((b"cookie", cookies.encode()))
    if form:
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
    scope = http_scope(method, path, headers)
    app = ApplicationCommunicator(handler, scope)
    await app.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await app.receive_output(5)
    chunks = []
    while True:
        message = await app.receive_output(5)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    await app.wait(5)
    return start["status"], start["headers"], b"".join(chunks)


def cookies_from(headers) -> str:
    values = [v.decode().split(";")[0] for k, v in headers if k.lower() == b"set-cookie"]
    return "; ".join(values)


class Screen:
    """A subscriber that keeps what its room hands it."""

    viewer, last_sent = Viewer(Role.SCREEN), 0

    def __init__(self) -> None:
        self.batches = []

    def receive_batch(self, batch) -> None:
        self.batches.append([x.event.type for x in batch.logged])


async def test_a_phone_joins_through_it_and_the_room_hears_of_it_on_this_event_loop(workshop):
    handler, screen = HttpHandler(), Screen()
    room = await rooms.subscribe(workshop.pk, screen, DISPLAYS)
    try:
        status, headers, page = await fetch(handler, "GET", f"/join/{workshop.code}/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = b"csrfmiddlewaretoken=" + token + b"&nickname=Alice"
        cookies = cookies_from(headers)
        status, headers, _ = await fetch(
            handler, "POST", f"/join/{workshop.code}/", body, cookies, form=True
        )
        assert status == 302
        assert dict(headers)[b"Location"].decode() == f"/play/{workshop.code}/"
        # The view published from a pool thread, onto the room of the loop serving the sockets.
        assert screen.batches == [["participant_joined"]]
    finally:
        await rooms.unsubscribe(room, screen)


async def test_joins_arriving_together_share_a_transaction_with_the_sockets_writes(workshop):
    handler = HttpHandler()
    _, headers, page = await fetch(handler, "GET", f"/join/{workshop.code}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookies = cookies_from(headers)
    database_free = threading.Event()
    # The writer is busy with a socket's command (its database thread held up) while as many
    # phones join as there are request threads.
    busy = asyncio.ensure_future(database_sync_to_async(database_free.wait)())
    ahead = asyncio.ensure_future(
        writer.submit(workshop.pk, Submission(FACILITATOR, LockJoining(False)))
    )
    await asyncio.sleep(0)
    joins = [
        asyncio.ensure_future(
            fetch(
                handler,
                "POST",
                f"/join/{workshop.code}/",
                b"csrfmiddlewaretoken=" + token + b"&nickname=Guest+" + str(i).encode(),
                cookies,
                form=True,
            )
        )
        for i in range(THREADS)
    ]
    for _ in range(500):
        if len(writer.queue) >= THREADS:
            break
        await asyncio.sleep(0.01)
    database_free.set()
    await busy
    await ahead
    assert [status for status, _, _ in await asyncio.gather(*joins)] == [302] * THREADS
    recorded = Event.objects.filter(workshop=workshop, type="participant_joined")
    at = await sync_to_async(lambda: list(recorded.values_list("recorded_at", flat=True)))()
    assert list(Counter(at).values()) == [THREADS]  # one transaction for them all


async def test_every_request_runs_in_one_of_its_long_lived_threads(workshop):
    handler, threads = HttpHandler(), []

    def note_thread(**kwargs) -> None:
        threads.append(threading.current_thread().name)

    request_started.connect(note_thread)
    try:
        for _ in range(THREADS * 2):
            status, _, _ = await fetch(handler, "GET", f"/join/{workshop.code}/")
            assert status == 200
    finally:
        request_started.disconnect(note_thread)
    assert len(threads) == THREADS * 2
    assert all(name.startswith("http") for name in threads)
    assert len(set(threads)) <= THREADS


async def test_a_streamed_download_arrives_whole(workshop, fiona, client):
    await sync_to_async(client.force_login)(fiona)
    cookies = f"sessionid={client.cookies['sessionid'].value}"
    status, headers, body = await fetch(
        HttpHandler(), "GET", f"/console/{workshop.code}/exports/archive.json", cookies=cookies
    )
    assert status == 200
    events = json.loads(body)["events"]
    assert [x["seq"] for x in events] == list(range(1, len(events) + 1))
    assert dict(headers)[b"X-Archive-Events"] == str(len(events)).encode()


class Gate:
    """Holds a view in its request thread until the test lets it answer."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()


gate = Gate()


def slow_page(request):
    gate.entered.set()
    gate.release.wait(10)
    return HttpResponse("too late")


def slow_download(request):
    gate.entered.set()
    gate.release.wait(10)
    return StreamingHttpResponse(iter([b"too late"]))


def endless_download(request):
    return StreamingHttpResponse(b"x" * 1024 for _ in iter(int, 1))


urlpatterns = [
    path("slow/", slow_page),
    path("slow-download/", slow_download),
    path("endless/", endless_download),
]


class Handler(HttpHandler):
    """The handler, keeping the body file it read and counting the responses closed."""

    def __init__(self) -> None:
        super().__init__()
        self.closed_responses = 0
        request_finished.connect(self.count, sender=Handler)

    def count(self, **kwargs) -> None:
        self.closed_responses += 1

    async def read_body(self, receive):
        self.body = await super().read_body(receive)
        return self.body


@pytest.fixture
def held():
    global gate
    gate = Gate()
    yield gate
    gate.release.set()


async def until(condition) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("address", ["/slow/", "/slow-download/"])
async def test_a_client_that_leaves_during_a_slow_view_is_sent_nothing_and_its_request_ends(
    held, address
):
    handler = Handler()
    app = ApplicationCommunicator(handler, http_scope("GET", address, []))
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})
    await sync_to_async(held.entered.wait)(10)
    await app.send_input({"type": "http.disconnect"})
    await app.wait(5)
    assert not app.future.cancelled()  # it ended by itself, though its thread cannot be stopped
    assert not handler.body.closed  # the view may still be reading it
    held.release.set()
    await until(lambda: handler.body.closed)
    assert handler.body.closed
    assert handler.closed_responses == 1  # what the view returned was closed ...
    assert app.output_queue.empty()  # ... and never sent


@pytest.mark.urls(__name__)
async def test_a_client_that_leaves_during_a_download_stops_it(monkeypatch):
    monkeypatch.setattr(http, "PIECE_BYTES", 4096)
    handler = Handler()
    app = ApplicationCommunicator(handler, http_scope("GET", "/endless/", []))
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})
    assert (await app.receive_output(5))["status"] == 200
    assert (await app.receive_output(5))["body"]
    await app.send_input({"type": "http.disconnect"})
    await app.wait(5)
    assert not app.future.cancelled()
    assert handler.closed_responses == 1
    assert handler.body.closed
