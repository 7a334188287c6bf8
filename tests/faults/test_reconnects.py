"""Phones drop and come back (production shape: two Daphne processes, Redis, PostgreSQL).

A phone that reconnects with ``last_seq`` gets exactly the events it missed — no gap, no
duplicate, no snapshot — on the same or the other process; one that reconnects without it (a page
reload) gets a snapshot with the same identity, team and votes. A seat is held for returning
participants even while joining is locked."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.wire import Browser, Client, join_phone, seat_cookie
from tests.faults.game import (
    CARD,
    answer,
    check_acknowledged_votes,
    check_results,
    check_streams,
    open_vote,
    reveal,
    seat_workshop,
)

pytestmark = [pytest.mark.services, pytest.mark.asyncio]


def missed_since(client: Client, seen: int) -> list[int]:
    return [s for s in client.seqs if s > seen]


async def committed_vote(cluster, code: str, voter: str, team: str, wait: float = 3) -> bool:
    """Whether a vote by ``voter`` on ``team`` reaches the log within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        log = cluster.log(code)
        if any(
            k == "vote_cast" and (d["voter"], d["team"]) == (voter, team) for k, d in log.values()
        ):
            return True
        await asyncio.sleep(0.1)
    return False


async def reload_page(phone: Client, base: str) -> Client:
    """The same phone after a page reload: same seat token, no state, so no ``last_seq``."""
    fresh = Client(phone.code, f"{phone.name}-reload", "participant", token=phone.token)
    await fresh.connect(base)
    return fresh


async def test_an_idle_phone_gets_exactly_what_it_missed_on_either_process(cluster):
    a, b = cluster.bases
    game = await seat_workshop(cluster.bases, phones=6, teams=3, boss_base=a)
    boss, phone = game.boss, game.phones[0]  # phone 0 is on process A
    me = phone.snapshot["you"]
    teammate = next(i for i in range(1, 6) if game.team_of[i] == game.team_of[0])
    other = next(i for i in range(1, 6) if game.team_of[i] != game.team_of[0])

    # Away for a while (Wi-Fi gone), then back on the same process.
    await phone.drop(abrupt=True)
    seen = phone.last_seq
    await boss.must("start_round", scenario=CARD)
    await boss.must("advance")  # pitch
    await game.phones[teammate].must("submit_move", text="ours: ask first", base_version=0)
    await game.phones[other].must("submit_move", text="theirs: sell more", base_version=0)
    missed = (await game.phones[other].must("rename", nickname="Someone Else"))["seqs"][-1]
    await phone.connect(a)
    await phone.wait_for_seq(missed)
    assert phone.welcomes[-1]["seq"] == missed
    assert missed_since(phone, seen) == list(range(seen + 1, missed + 1))
    assert phone.snapshots == 1, "a resumed connection gets the events, not a snapshot"
    moves = {m["data"]["team"]: m["data"] for m in phone.events if m["event"] == "move_saved"}
    assert moves[me["team"]]["text"] == "ours: ask first"  # its own team's move, in full
    assert "text" not in moves[game.team_of[other]]  # another team's, redacted

    # Away again, back on the other process this time.
    await phone.drop()
    seen = phone.last_seq
    await boss.must("advance")  # vote
    missed = (await game.phones[other].must("vote", team=me["team"], q1="yes", q2="yes"))["seqs"][
        -1
    ]
    await phone.connect(b)
    await phone.wait_for_seq(missed)
    assert phone.welcomes[-1]["seq"] == missed
    assert missed_since(phone, seen) == list(range(seen + 1, missed + 1))
    assert phone.snapshots == 1

    # Still live after resuming, and nothing missed while up to date: an empty catch-up.
    await phone.drop()
    await phone.connect(a)
    await boss.must("lock_joining", locked=False)
    latest = max(cluster.log(game.code))
    await phone.wait_for_seq(latest)

    # A page reload (no last_seq): a snapshot with the same identity and team.
    fresh = await reload_page(phone, b)
    assert fresh.snapshot["you"] == me
    assert fresh.you == phone.you == me["id"]
    assert fresh.snapshot["seq"] == latest

    await asyncio.gather(*(c.wait_for_seq(latest) for c in game.everyone()))
    check_streams([phone, *game.phones[1:], boss], cluster.log(game.code), latest)
    for client in (*game.everyone(), fresh):
        await client.close()


async def test_a_phone_dropping_mid_vote_keeps_its_identity_team_and_votes(cluster):
    a, b = cluster.bases
    game = await open_vote(cluster.bases, phones=6, teams=3, boss_base=a)
    phone = game.phones[0]  # on process A
    me = phone.snapshot["you"]
    first, second = game.ballot(0)
    q_first, q_second = answer(0, first), answer(0, second)
    await phone.must("vote", team=first, q1=q_first[0], q2=q_first[1])
    # The second vote leaves and the phone loses Wi-Fi before any answer can arrive.
    in_flight = await phone.send("vote", team=second, q1=q_second[0], q2=q_second[1])
    await phone.drop(abrupt=True)
    seen = phone.last_seq
    assert in_flight in phone.outbox
    # Did the server commit it (its ack lost with the socket)? The answer decides the ack below.
    committed = await committed_vote(cluster, game.code, phone.you, second)
    print(f"\n[mid-vote drop] the vote in flight was committed before the drop: {committed}")
    for i in range(1, 6):
        for team in game.ballot(i):
            q1, q2 = answer(i, team)
            await game.phones[i].must("vote", team=team, q1=q1, q2=q2)

    # Back on the other process: the events it missed, then the outbox resent with the same id.
    await phone.reconnect([b])
    reply = await phone.reply(in_flight)
    assert reply["type"] == "ack", reply
    assert reply["duplicate"] is committed, reply
    latest = max(cluster.log(game.code))
    await phone.wait_for_seq(latest)
    assert phone.welcomes[-1]["seq"] >= seen
    assert missed_since(phone, seen) == list(range(seen + 1, latest + 1))
    mine = [m["data"] for m in phone.events if m["event"] == "vote_cast" and "voter" in m["data"]]
    assert {(d["team"], d["q1"], d["q2"]) for d in mine} == {
        (first, *q_first),
        (second, *q_second),
    }
    assert all(d["voter"] == me["id"] for d in mine)

    # A reload on either process: same identity, team, ballot and votes.
    expected_votes = {
        first: {"q1": q_first[0], "q2": q_first[1]},
        second: {"q1": q_second[0], "q2": q_second[1]},
    }
    for base in (a, b):
        fresh = await reload_page(phone, base)
        assert fresh.snapshot["you"] == me
        assert fresh.snapshot["round"]["my_votes"] == expected_votes
        assert sorted(fresh.snapshot["round"]["ballot"]) == game.ballot(0)
        await fresh.close()

    # The last vote counts, also after all this.
    changed = answer(0, first, change=1)
    await phone.must("vote", team=first, q1=changed[0], q2=changed[1])
    fresh = await reload_page(phone, a)
    assert fresh.snapshot["round"]["my_votes"][first] == {"q1": changed[0], "q2": changed[1]}
    await fresh.close()

    final = await reveal(game, cluster.bases)
    log = cluster.log(game.code)
    check_acknowledged_votes(game, log)
    results = check_results(game, log)
    assert sum(r["votes"] for r in results.values()) == 6 * 2
    check_streams(game.everyone(), log, final)
    for client in game.everyone():
        await client.close()


async def test_two_drops_in_quick_succession_while_others_vote(cluster):
    a, b = cluster.bases
    game = await open_vote(cluster.bases, phones=6, teams=3, boss_base=a)
    phone = game.phones[0]
    me = phone.snapshot["you"]

    async def others_vote() -> None:
        for i in range(1, 6):
            for team in game.ballot(i):
                q1, q2 = answer(i, team)
                await game.phones[i].must("vote", team=team, q1=q1, q2=q2)
                await asyncio.sleep(0.02)

    voting = asyncio.create_task(others_vote())
    for round_trip in range(3):
        await asyncio.sleep(0.05)
        await phone.drop(abrupt=True)
        await phone.reconnect([a])
        # Gone again at once, before the catch-up has necessarily arrived...
        await phone.drop(abrupt=True)
        # ... and back on the other process.
        await phone.reconnect([b])
        team = game.ballot(0)[round_trip % 2]
        q1, q2 = answer(0, team, change=round_trip)
        reply = await phone.reliably("vote", [b, a], team=team, q1=q1, q2=q2)
        assert reply["type"] == "ack", reply
    await voting

    await game.boss.must("lock_joining", locked=False)
    await phone.wait_for_seq(max(cluster.log(game.code)))
    assert phone.connections == 1 + 3 * 2
    assert phone.snapshots == 1
    fresh = await reload_page(phone, a)
    assert fresh.snapshot["you"] == me
    last = {game.ballot(0)[k % 2]: answer(0, game.ballot(0)[k % 2], change=k) for k in (1, 2)}
    assert fresh.snapshot["round"]["my_votes"] == {
        t: {"q1": q1, "q2": q2} for t, (q1, q2) in last.items()
    }
    await fresh.close()

    final = await reveal(game, cluster.bases)
    log = cluster.log(game.code)
    check_acknowledged_votes(game, log)
    check_results(game, log)
    check_streams(game.everyone(), log, final)
    for client in game.everyone():
        await client.close()


def try_join(base: str, code: str, nickname: str) -> tuple[str, Browser]:
    """Try to take a new seat over HTTP; returns where the phone landed, and its browser."""
    phone = Browser(base)
    url, page = phone.get(f"/join/{code}/")
    if "csrfmiddlewaretoken" not in page or "nickname" not in page:
        return url, phone  # not even offered the form
    url, _ = phone.post_form(f"/join/{code}/", {"nickname": nickname})
    return url, phone


async def test_a_seat_is_held_while_joining_is_locked(cluster):
    a, b = cluster.bases
    game = await seat_workshop(cluster.bases, phones=4, teams=2, boss_base=a)
    boss, code = game.boss, game.code
    seated_browser = await asyncio.to_thread(join_phone, b, code, "Seated Sam")
    seated = Client(code, "sam", "participant", token=seated_browser.cookie(seat_cookie(code)))
    await seated.connect(b)
    me = seated.snapshot["you"]

    locked = (await boss.must("lock_joining", locked=True))["seqs"][-1]
    await seated.wait_for_seq(locked)
    await seated.drop(abrupt=True)
    missed = (await game.phones[1].must("rename", nickname="Busy Bee"))["seqs"][-1]

    # The seated phone comes back, on the other process, with and without last_seq.
    await seated.connect(a)
    await seated.wait_for_seq(missed)
    assert seated.snapshots == 1
    fresh = await reload_page(seated, b)
    assert fresh.snapshot["joining_locked"] is True
    assert fresh.snapshot["you"] == me
    # Its browser still finds its seat: the join page sends it straight to play.
    url, _ = await asyncio.to_thread(seated_browser.get, f"/join/{code}/")
    assert url.endswith(f"/play/{code}/"), url
    url, page = await asyncio.to_thread(seated_browser.get, f"/play/{code}/")
    assert url.endswith(f"/play/{code}/") and seated.token in page

    # A newcomer is refused a seat, on either process.
    joined_before = sum(k == "participant_joined" for k, _ in cluster.log(code).values())
    for base in (a, b):
        url, newcomer = await asyncio.to_thread(try_join, base, code, f"Late {base[-5:]}")
        assert not url.endswith(f"/play/{code}/"), url
        assert not newcomer.has_cookie(seat_cookie(code))
    log = cluster.log(code)
    assert sum(k == "participant_joined" for k, _ in log.values()) == joined_before

    # Unlocked, the room takes newcomers again (so the refusal was the lock's doing).
    await boss.must("lock_joining", locked=False)
    await asyncio.to_thread(join_phone, a, code, "Late Lou")

    log = cluster.log(code)
    await asyncio.gather(*(c.wait_for_seq(max(log)) for c in (seated, *game.everyone())))
    check_streams([seated, *game.everyone()], log, max(log))
    for client in (*game.everyone(), seated, fresh):
        await client.close()
