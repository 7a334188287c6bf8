"""A commitment over the socket: saved after the end, and seen only by its author and the
facilitator (everyone else gets the seq, nothing more)."""

import pytest

from tests.game.test_consumers import facilitator, phone, seat

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

MONDAY = "Ask what they need before I offer anything."


async def test_a_phone_commits_after_the_end_and_only_it_and_the_facilitator_read_it(
    workshop, fiona
):
    alice_token, bob_token = await seat(workshop, "Alice"), await seat(workshop, "Bob")
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    alice, bob = await phone(workshop, alice_token), await phone(workshop, bob_token)
    await alice.receive(), await bob.receive()

    early = await alice.command("commit", text=MONDAY)
    assert (early["type"], early["code"]) == ("refused", "workshop_not_ended")
    assert (await boss.command("end_workshop"))["type"] == "ack"

    ack = await alice.command("commit", text=MONDAY)
    assert ack["type"] == "ack"
    [seq] = ack["seqs"]
    for client in (alice, bob, boss):
        await client.drain()
    saved = {
        name: next(m for m in client.events if m["seq"] == seq)
        for name, client in (("alice", alice), ("bob", bob), ("boss", boss))
    }
    full = {"participant": saved["alice"]["data"]["participant"], "text": MONDAY, "version": 1}
    assert saved["alice"]["data"] == full
    assert saved["boss"]["data"] == full
    assert saved["bob"] == {"type": "event", "seq": seq, "event": "commitment_saved", "data": {}}
    for client in (alice, bob, boss):
        await client.close()


async def test_a_reconnecting_phone_finds_its_commitment_in_the_snapshot(workshop, fiona):
    alice_token, bob_token = await seat(workshop, "Alice"), await seat(workshop, "Bob")
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    await boss.command("end_workshop")
    alice = await phone(workshop, alice_token)
    await alice.receive()
    assert (await alice.command("commit", text=MONDAY))["type"] == "ack"
    await alice.close()

    again, bob = await phone(workshop, alice_token), await phone(workshop, bob_token)
    assert (await again.receive())["state"]["you"]["commitment"] == MONDAY
    bobs = (await bob.receive())["state"]
    assert bobs["you"]["commitment"] is None and "commitments" not in bobs
    late_boss = await facilitator(workshop, fiona)
    assert list((await late_boss.receive())["state"]["commitments"].values()) == [MONDAY]
    for client in (again, bob, boss, late_boss):
        await client.close()


async def test_the_facilitator_cannot_write_a_commitment(workshop, fiona):
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    await boss.command("end_workshop")
    refused = await boss.command("commit", text=MONDAY)
    assert (refused["type"], refused["code"]) == ("refused", "participants_only")
    await boss.close()


async def test_an_oversized_commitment_is_a_protocol_error(workshop):
    alice = await phone(workshop, await seat(workshop, "Alice"))
    await alice.receive()
    error = await alice.command("commit", text="x" * 281)
    assert (error["type"], error["code"]) == ("error", "invalid_field")
    await alice.close()
