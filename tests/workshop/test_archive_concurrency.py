"""An import writes its log in short transactions of its own: another room's commands are
acknowledged while it runs, and the room being imported takes no command until it is complete."""

import asyncio
import threading

import pytest
from django.db import connection

from game import service
from game.core import commands as c
from game.core.model import FACILITATOR
from game.models import Event, Game
from tests.game.wsclient import Client
from workshop.archive import import_archive, parse
from workshop.models import Deck, Workshop

from . import archives

pytestmark = pytest.mark.django_db(transaction=True)


def _importing(archive, owner, on_batch):
    """Start importing ``archive`` in a thread; ``on_batch`` runs after every batch written."""
    finished = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            import_archive(archive, owner, progress=on_batch)
        except BaseException as problem:
            failures.append(problem)
        finally:
            finished.set()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, finished, failures


@pytest.mark.asyncio
async def test_another_rooms_command_is_acknowledged_before_an_import_finishes(workshop, fiona):
    archive = parse(archives.text(archives.played(people=60, teams=4, rounds=3)))
    halfway, go_on = threading.Event(), threading.Event()

    def on_batch(done: int, total: int) -> None:
        if done < total and not halfway.is_set():
            halfway.set()
            go_on.wait(timeout=20)  # the import stands still after its first batch

    # The console is open before the import starts (its session is written then).
    boss = Client(workshop.code, user=fiona)
    assert (await boss.hello("facilitator"))["type"] == "welcome"
    await boss.receive()  # snapshot
    thread, finished, failures = _importing(archive, fiona, on_batch)
    try:
        assert await asyncio.to_thread(halfway.wait, 20)
        ack = await boss.command("add_team", name="Latecomers")
        acked_during_import = not finished.is_set()
        await boss.close()
    finally:
        go_on.set()
        await asyncio.to_thread(thread.join, 60)
    assert ack["type"] == "ack" and acked_during_import
    assert not failures


def test_the_room_being_imported_refuses_every_command_until_it_is_complete(fiona):
    archive = parse(archives.text(archives.played(people=60, teams=4, rounds=3)))
    last_seq = archive.state.seq
    seen = []

    def on_batch(done: int, total: int) -> None:
        if done < total and not seen:
            room = Workshop.objects.get()
            outcome = service.submit(workshop_id=room.pk, actor=FACILITATOR, command=c.Advance())
            seen.append((room.game.last_seq, outcome.code))

    thread, _finished, failures = _importing(archive, fiona, on_batch)
    thread.join(60)
    assert not failures
    assert seen == [(0, "workshop_not_started")]
    assert Game.objects.get().last_seq == last_seq


def test_a_failed_import_deletes_what_it_wrote(fiona):
    archive = parse(archives.text(archives.played(people=60, teams=4, rounds=3)))

    def on_batch(done: int, total: int) -> None:
        if done < total:
            raise RuntimeError("disk full")  # after the first batch is written

    with pytest.raises(RuntimeError, match="disk full"):
        import_archive(archive, fiona, progress=on_batch)
    assert (Workshop.objects.count(), Event.objects.count(), Deck.objects.count()) == (0, 0, 0)
