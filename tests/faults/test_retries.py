"""A retried command (same client id) is applied once: on the same connection, after a
reconnect to the other Daphne process, and when the same id races on both processes at once
(production shape: two Daphne processes, Redis, PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.wire import Client
from tests.faults.game import (
    answer,
    check_acknowledged_votes,
    check_results,
    check_streams,
    open_vote,
    reveal,
)

pytestmark = [pytest.mark.services, pytest.mark.asyncio]


def votes_by(log: dict, voter: str) -> list[int]:
    return [s for s, (k, d) in log.items() if k == "vote_cast" and d["voter"] == voter]


async def test_a_retried_command_is_applied_once_also_across_processes(cluster):
    a, b = cluster.bases
    game = await open_vote(cluster.bases, phones=6, teams=3, boss_base=a)
    phone = game.phones[0]  # on process A
    first, second = game.ballot(0)
    q1, q2 = answer(0, first)

    vote_id = phone.new_id()
    original = await phone.command("vote", client_id=vote_id, team=first, q1=q1, q2=q2)
    assert original["type"] == "ack" and original["duplicate"] is False, original
    # The same message again on the same connection: the original answer, nothing applied.
    again = await phone.command("vote", client_id=vote_id, team=first, q1=q1, q2=q2)
    assert again == original | {"duplicate": True}

    # After a reconnect to the other process, the retry still finds its receipt there.
    await phone.drop(abrupt=True)
    await phone.reconnect([b])
    across = await phone.command("vote", client_id=vote_id, team=first, q1=q1, q2=q2)
    assert across == original | {"duplicate": True}
    # Reusing the id for a different vote returns the old answer and changes nothing.
    other = answer(0, first, change=1)
    reused = await phone.command("vote", client_id=vote_id, team=second, q1=other[0], q2=other[1])
    assert reused == original | {"duplicate": True}

    # A refused command's retry is refused the same way, on either process.
    own_id = phone.new_id()
    refused = await phone.command("vote", client_id=own_id, team=game.team_of[0], q1="yes", q2="no")
    assert refused["type"] == "refused" and refused["code"] == "own_team", refused
    await phone.drop()
    await phone.reconnect([a])
    assert await phone.command("vote", client_id=own_id, team=first, q1=q1, q2=q2) == refused

    # A facilitator's retried advance moves the round on by one phase only.
    advance_id = game.boss.new_id()
    boss_b = Client(game.code, "boss-on-b", "facilitator", cookie=game.log_in_cookie)
    await boss_b.connect(b)
    revealed = await game.boss.command("advance", client_id=advance_id)
    assert revealed["type"] == "ack" and len(revealed["seqs"]) == 2, revealed  # reveal + scored
    await game.boss.drop(abrupt=True)
    await game.boss.reconnect([b])
    assert await game.boss.command("advance", client_id=advance_id) == revealed | {
        "duplicate": True
    }
    # The same console id sent by another connection of the same facilitator: one id space.
    assert await boss_b.command("advance", client_id=advance_id) == revealed | {"duplicate": True}

    log = cluster.log(game.code)
    assert votes_by(log, phone.you) == original["seqs"]
    phases = [d["phase"] for k, d in log.values() if k == "phase_changed"]
    assert phases == ["pitch", "vote", "reveal"]
    fresh = Client(game.code, "p0-reload", "participant", token=phone.token)
    await fresh.connect(b)
    assert fresh.snapshot["round"]["my_votes"] == {first: {"q1": q1, "q2": q2}}
    assert fresh.snapshot["round"]["votes_in"] == 1
    assert fresh.snapshot["round"]["results"][first]["votes"] == 1
    final = max(log)
    await asyncio.gather(*(c.wait_for_seq(final) for c in game.everyone()))
    check_streams(game.everyone(), log, final)
    for client in (*game.everyone(), boss_b, fresh):
        await client.close()


async def test_the_same_id_racing_on_both_processes_is_applied_once(cluster):
    """A phone whose retry reaches the other process while the first attempt is still being
    handled: both sockets of the same participant send the same id at the same moment."""
    a, b = cluster.bases
    game = await open_vote(cluster.bases, phones=12, teams=4, boss_base=a)
    twins = []
    for phone in game.phones:
        twin = Client(game.code, f"{phone.name}-twin", "participant", token=phone.token)
        await twin.connect(b if phone.base == a else a)
        twins.append(twin)

    async def race(i: int) -> None:
        phone, twin = game.phones[i], twins[i]
        for k, team in enumerate(game.ballot(i)):
            q1, q2 = answer(i, team)
            client_id = f"race-{i}-{k}"
            replies = await asyncio.gather(
                phone.command("vote", client_id=client_id, team=team, q1=q1, q2=q2),
                twin.command("vote", client_id=client_id, team=team, q1=q1, q2=q2),
            )
            assert [r["type"] for r in replies] == ["ack", "ack"], replies
            assert replies[0]["seqs"] == replies[1]["seqs"], replies
            assert sorted(r["duplicate"] for r in replies) == [False, True], replies

    await asyncio.gather(*(race(i) for i in range(len(game.phones))))
    final = await reveal(game, cluster.bases)
    log = cluster.log(game.code)
    applied = check_acknowledged_votes(game, log)
    assert applied == 12 * 3
    results = check_results(game, log)
    assert {t: r["votes"] for t, r in results.items()} == {
        t: sum(team != t for team in game.team_of) for t in game.teams
    }
    check_streams(game.everyone(), log, final)
    await asyncio.gather(*(t.wait_for_seq(final) for t in twins))
    check_streams(twins, log, final)
    for client in (*game.everyone(), *twins):
        await client.close()
