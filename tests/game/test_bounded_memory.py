"""A process that has served a thousand workshops holds none of them once their sockets have
left: every room, with its fold, lanes and encoded frames, is dropped, and resident memory
stops growing."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from channels.db import database_sync_to_async

from game import delivery, lookups, ratelimit, rights, writer
from game.core.model import State
from game.room import Room
from game.rooms import rooms
from tests.game.wsclient import Client, logged_in_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

WORKSHOPS = int(__import__("os").environ.get("BOUNDED_N", "1000"))
WARM_UP = WORKSHOPS // 4  # workshops served before memory is first measured (caches, pools, code)
CARD = {"title": "The latte", "customer": "A regular", "situation": "A quiet morning", "ask": "?"}


def resident_bytes() -> int:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@database_sync_to_async
def open_workshop(fiona, deck) -> tuple:
    from workshop.rooms import participant_join, workshop_create

    workshop = workshop_create(owner=fiona, title="Pop-up", team_count=2, deck=deck)
    tokens = [participant_join(workshop=workshop, nickname=n)[1] for n in ("Alice", "Bob")]
    return workshop, tokens


@database_sync_to_async
def delete(workshop) -> None:
    workshop.delete()


async def play_one(fiona, session, deck) -> None:
    """Two phones and a console: join, one round (pitch, vote, reveal), the end, everyone
    leaves and the facilitator deletes the workshop."""
    workshop, tokens = await open_workshop(fiona, deck)
    alice, bob, boss = Client(workshop.code), Client(workshop.code), Client(workshop.code, fiona)
    boss.communicator.scope["session"] = session
    for client, role, token in ((alice, "participant", tokens[0]), (bob, "participant", tokens[1])):
        assert (await client.hello(role, token))["type"] == "welcome"
    assert (await boss.hello("facilitator"))["type"] == "welcome"
    assert (await boss.command("start_round", scenario=CARD))["type"] == "ack"
    await boss.command("advance")
    await alice.command("submit_move", text="Ask first", base_version=0)
    await bob.command("submit_move", text="Offer the muffin", base_version=0)
    await boss.command("advance")
    assert (await alice.command("vote", team="t2", q1="no", q2="unsure"))["type"] == "ack"
    assert (await bob.command("vote", team="t1", q1="yes", q2="yes"))["type"] == "ack"
    await boss.command("advance")
    assert (await boss.command("end_workshop"))["type"] == "ack"
    for client in (alice, bob, boss):
        await client.close()
    await delete(workshop)


def held_by_the_process() -> dict:
    """Every per-workshop structure this process keeps, by how much it holds."""
    return {
        "rooms": len(rooms),
        "phones": rooms.phones,
        "redis subscriptions": len(rooms.bus.workshops),
        "queued commands": len(writer.writer.queue),
        "hand-out queue": len(delivery.hand_out.queue),
        "seats": len(ratelimit.sockets.by_seat),
        "addresses": len(ratelimit.sockets.by_address),
        "watched consoles": len(rights.watchers.by_user),
        "code lookups in flight": len(lookups.room_codes.asking),
    }


async def test_a_thousand_workshops_one_after_another_leave_nothing_behind(
    fiona, settings, monkeypatch
):
    from workshop.models import Deck

    settings.UPSERVE_ROOM_LINGER_SECONDS = 0
    settings.REDIS_URL = ""
    monkeypatch.setattr(lookups, "REMEMBERED", 100)
    session = await logged_in_session(fiona)
    deck = await database_sync_to_async(Deck.objects.first)()
    nothing = held_by_the_process()
    for _ in range(WARM_UP):
        await play_one(fiona, session, deck)
    assert held_by_the_process() == nothing
    warm = resident_bytes()
    for _ in range(WORKSHOPS - WARM_UP):
        await play_one(fiona, session, deck)
        assert held_by_the_process() == nothing
    grown = resident_bytes() - warm
    assert len(lookups.room_codes.known) <= 100  # remembered codes are capped, not kept
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Room | State)]
    assert alive == []
    # Each workshop's fold, snapshot and lanes held tens of kilobytes when they were kept:
    # 750 of them would be tens of megabytes. What remains is allocator noise.
    assert grown < 8 * 2**20, f"resident memory grew {grown / 2**20:.1f} MB over 750 workshops"
