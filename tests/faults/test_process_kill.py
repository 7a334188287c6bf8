"""``kill -9`` of one Daphne process in the middle of a vote (production shape: two Daphne
processes, Redis, PostgreSQL, 100 phones over real WebSockets).

Every vote acknowledged before or after the kill is in PostgreSQL and counted at reveal; the
killed process's phones resume on the other one (``last_seq``, then their unacknowledged votes
resent with the same ids) and finish voting; no vote is applied twice."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.game import (
    answer,
    check_acknowledged_votes,
    check_results,
    check_streams,
    open_vote,
    reveal,
)

pytestmark = [pytest.mark.services, pytest.mark.asyncio]

PHONES, TEAMS = 100, 4


async def test_kill_9_of_a_daphne_mid_vote_loses_no_acknowledged_vote(cluster):
    a, b = cluster.a, cluster.b
    game = await open_vote(cluster.bases, phones=PHONES, teams=TEAMS, boss_base=b.url)
    on_a = [i for i, phone in enumerate(game.phones) if phone.base == a.url]
    total = sum(len(game.ballot(i)) for i in range(PHONES))
    acked = 0
    third = asyncio.Event()

    async def vote_through(i: int) -> None:
        nonlocal acked
        phone = game.phones[i]
        prefer_other = [u for u in cluster.bases if u != phone.base] + [phone.base]
        for team in game.ballot(i):
            q1, q2 = answer(i, team)
            reply = await phone.reliably("vote", prefer_other, team=team, q1=q1, q2=q2)
            assert reply["type"] == "ack", f"{phone.name}: {reply}"
            acked += 1
            if acked >= total // 3:
                third.set()

    voting = [asyncio.create_task(vote_through(i)) for i in range(PHONES)]
    await asyncio.wait_for(third.wait(), 60)
    in_flight = {i: list(game.phones[i].outbox) for i in on_a if game.phones[i].outbox}
    acked_at_kill = acked
    a.kill()  # SIGKILL
    killed_at = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*voting), 120)
    done_at = time.monotonic()

    resent = {i: set(game.phones[i].resent) for i in on_a}
    duplicates = sum(
        1
        for i in on_a
        for cid in resent[i]
        if any(x.get("duplicate") for x in game.phones[i].answers.get(cid, []))
    )
    print(
        f"\n[kill -9] {PHONES} phones, {total} votes; killed process A (pid {a.pid}) after "
        f"{acked_at_kill} acks with {sum(map(len, in_flight.values()))} votes in flight on "
        f"{len(in_flight)} of its {len(on_a)} phones; {sum(map(len, resent.values()))} resent "
        f"after reconnecting, {duplicates} of them already committed (duplicate ack); all "
        f"phones done {done_at - killed_at:.2f} s after the kill"
    )
    assert in_flight, "the kill should catch phones with a vote in flight"
    for i in on_a:
        phone = game.phones[i]
        assert phone.base == b.url and phone.connections >= 2, (phone.name, phone.base)
    # A vote in flight was either answered before the socket died, or resent with its id.
    for i, ids in in_flight.items():
        assert all(cid in resent[i] or cid in game.phones[i].answers for cid in ids)
    assert any(resent.values()), "no phone had to resend a vote: the kill caught nothing"

    final = await reveal(game, [b.url])
    log = cluster.log(game.code)
    assert check_acknowledged_votes(game, log) == total
    results = check_results(game, log)
    assert sum(r["votes"] for r in results.values()) == total
    check_streams(game.everyone(), log, final)
    for client in game.everyone():
        await client.close()
