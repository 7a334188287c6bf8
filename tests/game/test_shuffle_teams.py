"""shuffle_teams over the socket: checked by the protocol, refused in the wrong phase, and once
dealt, each phone sees what its new team may see."""

import pytest

from game.core.shuffle import deal
from game.tokens import read_participant_token
from tests.game.test_consumers import first_scenario_id, seat
from tests.game.wsclient import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def connected(workshop, role, token="", user=None) -> Client:
    client = Client(workshop.code, user=user)
    assert (await client.hello(role, token))["type"] == "welcome"
    await client.receive()  # the snapshot
    return client


def seed_putting_together(a: str, b: str, people: list[str]) -> int:
    """A seed whose deal puts ``a`` and ``b`` in one team, which is not t1."""
    for seed in range(1000):
        teams = deal(people, ["t1", "t2"], seed)
        if a in teams["t2"] and b in teams["t2"]:
            return seed
    raise AssertionError("no such seed")


async def test_a_shuffled_phone_sees_its_new_teams_move_and_not_its_old_ones(workshop, fiona):
    # Before: t1 Alice and Carol, t2 Bob. After: Alice with Bob in t2, Carol alone in t1.
    tokens = [await seat(workshop, name) for name in ("Alice", "Bob", "Carol")]
    alice_id, bob_id, carol_id = (read_participant_token(t, workshop.pk) for t in tokens)
    alice, bob, carol = [await connected(workshop, "participant", t) for t in tokens]
    boss = await connected(workshop, "facilitator", user=fiona)
    seed = seed_putting_together(alice_id, bob_id, [alice_id, bob_id, carol_id])

    ack = await boss.command("shuffle_teams", seed=seed)
    assert ack["type"] == "ack"
    [shuffled] = [m for m in await alice.drain() if m["type"] == "event"]
    assert shuffled["event"] == "teams_shuffled"
    assert sorted(shuffled["data"]["teams"]["t2"]) == sorted([alice_id, bob_id])

    await boss.command("start_round", scenario_id=await first_scenario_id())
    await boss.command("advance")
    assert (await bob.command("submit_move", text="Listen first", base_version=0))["type"] == "ack"
    for client in (alice, carol):
        await client.drain()
    seen = {
        name: next(m["data"] for m in client.events if m["event"] == "move_saved")
        for name, client in (("alice", alice), ("carol", carol))
    }
    assert seen["alice"]["text"] == "Listen first"
    assert "text" not in seen["carol"]
    for client in (alice, bob, carol, boss):
        await client.close()


async def test_without_a_seed_the_server_picks_one_and_records_it(workshop, fiona):
    await seat(workshop, "Alice")
    boss = await connected(workshop, "facilitator", user=fiona)
    assert (await boss.command("shuffle_teams"))["type"] == "ack"
    await boss.drain()
    [event] = [m for m in boss.events if m["event"] == "teams_shuffled"]
    assert isinstance(event["data"]["seed"], int)
    assert sum(len(members) for members in event["data"]["teams"].values()) == 1
    await boss.close()


async def test_a_bad_seed_is_a_field_error(workshop, fiona):
    boss = await connected(workshop, "facilitator", user=fiona)
    for seed, problem in (("7", "must be a whole number"), (-1, "must be between")):
        reply = await boss.command("shuffle_teams", seed=seed)
        assert (reply["type"], reply["code"]) == ("error", "invalid_field")
        assert reply["message"].startswith(f"seed {problem}")
    await boss.close()


async def test_teams_cannot_be_shuffled_while_moves_are_written(workshop, fiona):
    await seat(workshop, "Alice")
    boss = await connected(workshop, "facilitator", user=fiona)
    await boss.command("start_round", scenario_id=await first_scenario_id())
    await boss.command("advance")
    reply = await boss.command("shuffle_teams", seed=1)
    assert (reply["type"], reply["code"]) == ("refused", "teams_locked")
    assert reply["message"] == "Teams cannot change while moves are being written or voted on."
    await boss.close()


async def test_a_participant_cannot_shuffle_the_teams(workshop):
    alice = await connected(workshop, "participant", await seat(workshop, "Alice"))
    reply = await alice.command("shuffle_teams", seed=1)
    assert (reply["type"], reply["code"]) == ("refused", "forbidden")
    await alice.close()
