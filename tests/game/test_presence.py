"""The facilitator's live list of who is connected: phones coming and going, on this process."""

import asyncio

import pytest

from tests.game.test_consumers import facilitator, phone, seat
from tests.game.wsclient import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def presence_settles(client: Client, online: set[str]) -> None:
    for _ in range(60):
        await client.drain()
        if client.presence and set(client.presence[-1]) == online:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"presence is {client.presence[-1:]}, expected {online}")


async def test_the_facilitator_sees_phones_connect_and_leave(workshop, fiona):
    alice_token = await seat(workshop, "Alice")
    await seat(workshop, "Bob")  # seated, never connects
    boss = await facilitator(workshop, fiona)
    await presence_settles(boss, set())
    alice = await phone(workshop, alice_token)
    alice_id = (await alice.receive())["state"]["you"]["id"]
    await presence_settles(boss, {alice_id})
    await alice.close()
    await presence_settles(boss, set())
    await boss.close()


async def test_a_phone_with_two_tabs_stays_online_until_both_close(workshop, fiona):
    token = await seat(workshop, "Alice")
    boss = await facilitator(workshop, fiona)
    first, second = await phone(workshop, token), await phone(workshop, token)
    alice_id = (await first.receive())["state"]["you"]["id"]
    await presence_settles(boss, {alice_id})
    await first.close()
    await asyncio.sleep(0.2)
    await presence_settles(boss, {alice_id})
    await second.close()
    await presence_settles(boss, set())
    await boss.close()


async def test_only_facilitators_are_told_who_is_online(workshop, fiona):
    alice = await phone(workshop, await seat(workshop, "Alice"))
    screen = Client(workshop.code)
    await screen.hello("screen", workshop.screen_token)
    bob = await phone(workshop, await seat(workshop, "Bob"))
    await asyncio.sleep(0.3)
    for client in (alice, screen, bob):
        await client.drain()
        assert client.presence == []
        await client.close()
