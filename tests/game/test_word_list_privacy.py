"""The room's blocked words over the socket: the facilitator's console gets them; phones and the
screen get every other setting, in snapshots, live events and catch-ups, and never the words."""

import pytest

from tests.game.test_consumers import facilitator, phone, seat
from tests.game.wsclient import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

WORDS = "churnbox, zorbling"


async def screen(workshop, last_seq=None) -> Client:
    client = Client(workshop.code)
    welcome = await client.hello("screen", workshop.screen_token, last_seq=last_seq)
    assert welcome["type"] == "welcome"
    return client


async def test_only_the_facilitator_receives_the_blocked_words(workshop, fiona):
    token = await seat(workshop, "Alice")
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    alice, wall = await phone(workshop, token), await screen(workshop)
    await alice.receive()
    await wall.receive()
    ack = await boss.command("configure", settings={"blocked_words": WORDS, "vote_seconds": 60})
    assert ack["type"] == "ack"
    (mine,) = await boss.drain()
    assert mine["data"]["settings"] == {"blocked_words": WORDS, "vote_seconds": 60}
    for client in (alice, wall):
        (seen,) = await client.drain()
        assert (seen["seq"], seen["event"]) == (mine["seq"], "settings_changed")
        assert seen["data"] == {"settings": {"vote_seconds": 60}}
    for client in (boss, alice, wall):
        await client.close()

    later = await phone(workshop, token)
    snapshot = (await later.receive())["state"]
    assert (
        "blocked_words" not in snapshot["settings"] and snapshot["settings"]["vote_seconds"] == 60
    )
    assert "zorbling" not in str(snapshot)
    caught_up = await screen(workshop, last_seq=1)
    assert "zorbling" not in str(await caught_up.drain())
    console = await facilitator(workshop, fiona)
    assert (await console.receive())["state"]["settings"]["blocked_words"] == WORDS
    for client in (later, caught_up, console):
        await client.close()
