"""The consumer, role by role: what each may do, what each is refused, what each sees."""

import pytest
from channels.db import database_sync_to_async

from game.tokens import participant_token
from tests.game.wsclient import Client
from workshop.models import Scenario

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def seat(workshop, nickname):
    from workshop.rooms import participant_join

    outcome, token = participant_join(workshop=workshop, nickname=nickname)
    assert outcome.ok
    return token


@database_sync_to_async
def first_scenario_id():
    return Scenario.objects.values_list("id", flat=True).first()


async def facilitator(workshop, fiona, last_seq=None) -> Client:
    client = Client(workshop.code, user=fiona)
    welcome = await client.hello("facilitator", last_seq=last_seq)
    assert welcome["type"] == "welcome"
    return client


async def phone(workshop, token, last_seq=None) -> Client:
    client = Client(workshop.code)
    welcome = await client.hello("participant", token, last_seq=last_seq)
    assert welcome["type"] == "welcome", welcome
    return client


async def test_a_participant_says_hello_and_gets_a_snapshot_with_their_seat(workshop):
    token = await seat(workshop, "Alice")
    client = Client(workshop.code)
    welcome = await client.hello("participant", token)
    snapshot = await client.receive()
    assert welcome["role"] == "participant" and welcome["seq"] == 2
    assert snapshot["type"] == "snapshot"
    assert snapshot["state"]["you"]["nickname"] == "Alice"
    await client.close()


async def test_a_participant_with_a_forged_token_is_turned_away(workshop):
    client = Client(workshop.code)
    reply = await client.hello("participant", "not-a-token")
    assert (reply["type"], reply["code"]) == ("error", "auth_failed")
    await client.close()


async def test_a_token_from_another_workshop_does_not_open_this_one(workshop):
    client = Client(workshop.code)
    reply = await client.hello("participant", participant_token(workshop.pk + 1, "alice"))
    assert reply["code"] == "auth_failed"
    await client.close()


async def test_a_stranger_cannot_connect_as_facilitator(workshop, django_user_model):
    mallory = await database_sync_to_async(django_user_model.objects.create_user)(
        "mallory", password="x" * 12
    )
    client = Client(workshop.code, user=mallory)
    reply = await client.hello("facilitator")
    assert reply["code"] == "auth_failed"
    await client.close()


async def test_the_facilitator_drives_the_round_and_everyone_sees_it(workshop, fiona):
    token = await seat(workshop, "Alice")
    boss = await facilitator(workshop, fiona)
    await boss.receive()  # snapshot
    alice = await phone(workshop, token)
    await alice.receive()
    ack = await boss.command("start_round", scenario_id=await first_scenario_id())
    assert ack["type"] == "ack" and ack["seqs"] == [3]
    seen = await alice.drain()
    assert [(m["seq"], m["event"]) for m in seen] == [(3, "round_started")]
    assert seen[0]["data"]["scenario"]["slug"] == "cafe-latte"
    await boss.close()
    await alice.close()


@database_sync_to_async
def someone_elses_private_card(django_user_model) -> int:
    from workshop.models import Deck

    gina = django_user_model.objects.create_user(username="gina", password="another horse")
    deck = Deck.objects.create(name="Gina's own", owner=gina)
    card = dict(customer="c", situation="s", ask="a")
    return Scenario.objects.create(deck=deck, slug="secret", title="Secret", **card).pk


async def test_a_card_from_another_facilitators_private_deck_cannot_be_played(
    workshop, fiona, django_user_model
):
    boss = await facilitator(workshop, fiona)
    card = await someone_elses_private_card(django_user_model)
    reply = await boss.command("start_round", scenario_id=card)
    assert (reply["type"], reply["code"]) == ("refused", "scenario_invalid")
    await boss.close()


async def test_a_participant_cannot_drive_the_workshop(workshop):
    alice = await phone(workshop, await seat(workshop, "Alice"))
    await alice.receive()
    reply = await alice.command("advance")
    assert (reply["type"], reply["code"]) == ("refused", "forbidden")
    await alice.close()


async def test_the_facilitator_cannot_vote(workshop, fiona):
    boss = await facilitator(workshop, fiona)
    reply = await boss.command("vote", team="t1", q1="yes", q2="yes")
    assert reply["code"] == "participants_only"
    await boss.close()


async def test_the_screen_only_watches(workshop):
    screen = Client(workshop.code)
    welcome = await screen.hello("screen", workshop.screen_token)
    assert welcome["role"] == "screen"
    await screen.receive()
    reply = await screen.command("advance")
    assert reply["code"] == "forbidden"
    await screen.close()


async def test_a_wrong_screen_key_is_refused(workshop):
    screen = Client(workshop.code)
    assert (await screen.hello("screen", "guess"))["code"] == "auth_failed"
    await screen.close()


async def test_a_full_round_over_the_socket_with_hidden_ballots(workshop, fiona):
    alice = await phone(workshop, await seat(workshop, "Alice"))  # t1
    bob = await phone(workshop, await seat(workshop, "Bob"))  # t2
    boss = await facilitator(workshop, fiona)
    for client in (alice, bob, boss):
        await client.drain()
    await boss.command("start_round", scenario_id=await first_scenario_id())
    await boss.command("advance")
    assert (await alice.command("submit_move", text="Ask, then offer", base_version=0))[
        "type"
    ] == "ack"
    stale = await bob.command("submit_move", text="Bundle the muffin", base_version=3)
    assert stale["code"] == "stale_move"
    await bob.command("submit_move", text="Bundle the muffin", base_version=0)
    await boss.command("advance")
    ack = await alice.command("vote", team="t2", q1="no", q2="unsure")
    assert ack["type"] == "ack"
    own = await bob.command("vote", team="t2", q1="yes", q2="yes")
    assert own["code"] == "own_team"
    await bob.command("vote", team="t1", q1="yes", q2="yes")
    await boss.command("advance")
    for client in (alice, bob, boss):
        await client.drain()
    bob_votes = [m["data"] for m in bob.events if m["event"] == "vote_cast"]
    assert bob_votes[0] == {"round": 1, "votes_in": 1}  # alice's ballot stays hers
    alice_moves = [m["data"] for m in alice.events if m["event"] == "move_saved"]
    assert [("text" in d, d["team"]) for d in alice_moves] == [(True, "t1"), (False, "t2")]
    scored = next(m for m in boss.events if m["event"] == "round_scored")["data"]["results"]
    assert (scored["t1"]["total"], scored["t2"]["upsell"]) == (120, True)
    assert [m["seq"] for m in alice.events] == list(
        range(alice.events[0]["seq"], alice.last_seq + 1)
    )
    for client in (alice, bob, boss):
        await client.close()


async def test_a_reconnecting_client_gets_exactly_the_events_it_missed(workshop, fiona):
    token = await seat(workshop, "Alice")
    alice = await phone(workshop, token)
    await alice.receive()
    seen = alice.last_seq
    await alice.close()
    boss = await facilitator(workshop, fiona)
    await boss.command("start_round", scenario_id=await first_scenario_id())
    await boss.command("advance")
    alice = await phone(workshop, token, last_seq=seen)
    missed = await alice.drain()
    assert [(m["seq"], m["event"]) for m in missed] == [
        (seen + 1, "round_started"),
        (seen + 2, "phase_changed"),
    ]
    await alice.close()
    await boss.close()


async def test_a_client_too_far_behind_gets_a_snapshot_instead(workshop, fiona):
    boss = await facilitator(workshop, fiona, last_seq=10_000)
    snapshot = await boss.receive()
    assert snapshot["type"] == "snapshot" and snapshot["seq"] == 1
    await boss.close()


async def test_a_retried_command_is_acknowledged_again_but_applied_once(workshop, fiona):
    boss = await facilitator(workshop, fiona)
    first = await boss.command("add_team", name="Latecomers", id="add-1")
    again = await boss.command("add_team", name="Latecomers", id="add-1")
    assert (first["seqs"], again["seqs"], again["duplicate"]) == ([2], [2], True)
    await boss.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ('{"type": "adjust_timer", "id": "t", "seconds": Infinity}', "bad_json"),
        ('{"type": "ping", "id": NaN}', "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"type": "launch_rockets", "id": "x"}', "unknown_type"),
        ('{"type": "advance"}', "bad_id"),
        ('{"type": "vote", "id": "v", "team": "t1", "q1": "maybe", "q2": "yes"}', "invalid_field"),
        ('{"type": "vote", "id": "v", "team": "t1", "q1": "yes"}', "missing_field"),
        ('{"type": "advance", "id": "a", "extra": 1}', "unknown_field"),
        ('{"type": "advance", "id": "' + "x" * 70 + '"}', "bad_id"),
        ('{"type": "rename", "id": "r", "nickname": "' + "n" * 70_000 + '"}', "too_large"),
    ],
)
async def test_bad_frames_get_a_clear_error_and_the_connection_lives_on(
    workshop, fiona, frame, code
):
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    await boss.send(frame)
    reply = await boss.receive()
    assert (reply["type"], reply["code"]) == ("error", code)
    assert reply["message"]
    await boss.send({"type": "ping"})
    assert (await boss.receive())["type"] == "pong"
    await boss.close()


async def test_commands_before_hello_are_refused(workshop):
    client = Client(workshop.code)
    await client.open()
    await client.send({"type": "advance", "id": "a1"})
    assert (await client.receive())["code"] == "hello_required"
    await client.close()


@pytest.mark.parametrize("role", ["participant", "screen"])
async def test_an_unknown_room_code_is_answered_like_a_real_one_with_wrong_credentials(
    workshop, role
):
    """Nothing on the socket tells which codes exist: both fail at hello, with one sentence."""
    answers = []
    for code in ("NOROOM", workshop.code):
        client = Client(code)
        answers.append(await client.hello(role, token="not-a-token"))
        await client.send({"type": "ping"})
        assert (await client.receive())["type"] == "pong"  # still open, as for a bad token
        await client.close()
    assert answers[0]["code"] == "auth_failed"
    assert answers[0] == answers[1]


async def test_a_heartbeat_delivers_an_event_the_broadcast_lost(workshop, fiona):
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    # Written by "another process" whose broadcast never arrived here.
    await database_sync_to_async(_join_without_broadcast)(workshop, "Quiet Quokka")
    await boss.send({"type": "ping"})
    event = await boss.receive()
    assert (event["seq"], event["event"]) == (2, "participant_joined")
    assert (await boss.receive())["seq"] == 2  # the pong says how far the log goes
    await boss.close()


def _join_without_broadcast(workshop, nickname):
    from game import service
    from game.core.commands import Join
    from game.core.model import participant

    service.submit(workshop_id=workshop.pk, actor=participant("quiet"), command=Join(nickname))


async def test_a_pong_waits_for_the_rooms_broadcast_without_holding_up_commands(
    workshop, fiona, settings
):
    settings.UPSERVE_PHONE_TALLY_SECONDS = 1.0  # phones hear move edits once a second
    alice = await phone(workshop, await seat(workshop, "Alice"))  # t1
    bob = await phone(workshop, await seat(workshop, "Bob"))  # t2
    boss = await facilitator(workshop, fiona)
    await boss.command("start_round", scenario_id=await first_scenario_id())
    await boss.command("advance")
    for client in (alice, bob, boss):
        await client.drain()
    await alice.command("submit_move", text="Ask first", base_version=0)
    await alice.command("submit_move", text="Ask, then offer", base_version=1)
    await bob.drain()
    await bob.send({"type": "ping"})  # the edits still wait for the cadence
    await bob.send({"type": "submit_move", "id": "m1", "text": "Listen", "base_version": 0})
    replies = [await bob.receive()]
    while replies[-1]["type"] != "pong":
        replies.append(await bob.receive())
    assert [r["type"] for r in replies] == ["ack"] + ["event"] * 3 + ["pong"]
    assert replies[-1]["seq"] <= bob.last_seq == replies[0]["seqs"][-1]
    for client in (alice, bob, boss):
        await client.close()


async def test_two_facilitators_never_answer_each_others_retries(
    workshop, fiona, django_user_model
):
    cofi = await database_sync_to_async(django_user_model.objects.create_user)(
        "cofi", password="x" * 12
    )
    await database_sync_to_async(workshop.cofacilitators.add)(cofi)
    one = await facilitator(workshop, fiona)
    two = await facilitator(workshop, cofi)
    first = await one.command("add_team", name="Latecomers", id="same-id")
    second = await two.command("add_team", name="Stragglers", id="same-id")
    assert (first["seqs"], second["seqs"], second["duplicate"]) == ([2], [3], False)
    await one.close()
    await two.close()


async def test_a_flooding_client_is_slowed_then_cut_off(workshop, settings):
    settings.UPSERVE_MESSAGES_PER_SECOND = 1
    settings.UPSERVE_MESSAGE_BURST = 5
    client = Client(workshop.code)
    await client.open()
    for _ in range(10):
        await client.send({"type": "ping"})
    replies = [await client.receive() for _ in range(10)]
    assert [r["type"] for r in replies].count("pong") <= 6
    assert any(r.get("code") == "rate_limited" for r in replies)
    for _ in range(300):
        await client.send({"type": "ping"})
    closed = None
    while closed is None:
        output = await client.communicator.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            closed = output["code"]
    assert closed == 4008


async def test_a_kicked_participant_is_cut_off_and_cannot_come_back(workshop, fiona):
    token = await seat(workshop, "Troll")
    troll = await phone(workshop, token)
    await troll.receive()
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    ack = await boss.command("remove_participant", participant=troll_id(token, workshop), ban=True)
    assert ack["type"] == "ack"
    event = await troll.receive()
    assert event["event"] == "participant_removed"
    notice = await troll.receive()
    assert notice["code"] == "removed"
    assert (await troll.communicator.receive_output(timeout=3))["type"] == "websocket.close"
    again = Client(workshop.code)
    assert (await again.hello("participant", token))["code"] == "auth_failed"
    await again.close()
    await boss.close()


async def test_someone_elses_removal_in_the_same_catch_up_leaves_you_seated(workshop, fiona):
    alice_token, bob_token = await seat(workshop, "Alice"), await seat(workshop, "Bob")
    alice = await phone(workshop, alice_token)
    snapshot = await alice.receive()
    teams = [team["id"] for team in snapshot["state"]["teams"]]
    other_team = next(t for t in teams if t != snapshot["state"]["you"]["team"])
    seen = alice.last_seq
    await alice.close()
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    bob_id = troll_id(bob_token, workshop)
    assert (await boss.command("rename_team", team=other_team, name="Night owls"))["type"] == "ack"
    assert (await boss.command("remove_participant", participant=bob_id))["type"] == "ack"
    # Alice comes back and catches up, one by one, on the rename and on Bob's removal.
    alice = await phone(workshop, alice_token, last_seq=seen)
    kinds = [m.get("event", m.get("code")) for m in await alice.drain()]
    assert kinds == ["team_renamed", "participant_removed"]
    assert (await alice.command("rename", nickname="Alicia"))["type"] == "ack"  # still seated
    await alice.close()
    await boss.close()


async def test_a_phone_moved_to_another_team_while_away_catches_up_with_a_snapshot(workshop, fiona):
    """Its missed events were meant for the team it was in when they happened; redacted for
    its new team they would hand over that team's moves saved before it arrived."""
    alice_token, bob_token = await seat(workshop, "Alice"), await seat(workshop, "Bob")
    alice = await phone(workshop, alice_token)
    snapshot = await alice.receive()
    mine = snapshot["state"]["you"]["team"]
    seen = alice.last_seq
    await alice.close()
    boss = await facilitator(workshop, fiona)
    await boss.receive()
    await boss.command("start_round", scenario_id=await first_scenario_id())
    await boss.command("advance")  # pitch
    bob = await phone(workshop, bob_token)
    bobs_team = (await bob.receive())["state"]["you"]["team"]
    assert bobs_team != mine
    assert (await bob.command("submit_move", text="Call them back", base_version=0))[
        "type"
    ] == "ack"
    await boss.command("advance")  # vote
    await boss.command("advance")  # reveal: teams may change again
    alice_id = troll_id(alice_token, workshop)
    assert (await boss.command("assign_team", participant=alice_id, team=bobs_team))[
        "type"
    ] == "ack"
    alice = await phone(workshop, alice_token, last_seq=seen)
    caught_up = await alice.receive()
    assert caught_up["type"] == "snapshot"
    assert caught_up["state"]["you"]["team"] == bobs_team
    for client in (alice, bob, boss):
        await client.close()


def troll_id(token, workshop):
    from game.tokens import read_participant_token

    return read_participant_token(token, workshop.pk)
