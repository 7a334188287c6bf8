"""The embedded default (one Daphne process, no DATABASE_URL or REDIS_URL: SQLite in WAL mode and
the secret key under UPSERVE_VAR_DIR) killed with SIGKILL in the middle of a vote, then started
again on the same var dir: every acknowledged vote is in the log and counted at reveal, and the
phones, resuming with ``last_seq`` and resending what was unanswered, finish the vote."""

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


async def test_kill_9_of_the_embedded_server_mid_vote_loses_no_acknowledged_vote(embedded):
    server = embedded.server
    bases = embedded.bases
    game = await open_vote(bases, phones=PHONES, teams=TEAMS, boss_base=server.url)
    total = sum(len(game.ballot(i)) for i in range(PHONES))
    acked = 0
    third = asyncio.Event()

    async def vote_through(i: int) -> None:
        nonlocal acked
        phone = game.phones[i]
        for team in game.ballot(i):
            q1, q2 = answer(i, team)
            reply = await phone.reliably("vote", bases, team=team, q1=q1, q2=q2, timeout=90)
            assert reply["type"] == "ack", f"{phone.name}: {reply}"
            acked += 1
            if acked >= total // 3:
                third.set()

    voting = [asyncio.create_task(vote_through(i)) for i in range(PHONES)]
    await asyncio.wait_for(third.wait(), 60)
    acked_before = {
        (phone.name, cid): ack["seqs"] for phone in game.phones for cid, ack in phone.acks().items()
    }
    in_flight = sum(bool(phone.outbox) for phone in game.phones)
    acked_at_kill = acked
    old_pid = server.pid
    server.kill()  # SIGKILL
    killed_at = time.monotonic()
    await asyncio.to_thread(server.start)  # same port, same var dir
    up_at = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*voting), 120)
    done_at = time.monotonic()
    duplicates = sum(
        any(a.get("duplicate") for a in phone.answers.get(cid, []))
        for phone in game.phones
        for cid in phone.resent
    )
    print(
        f"\n[embedded kill -9] {PHONES} phones, {total} votes; killed pid {old_pid} after "
        f"{acked_at_kill} vote acks with {in_flight} phones waiting for an answer; "
        f"restarted in {up_at - killed_at:.2f} s; every phone done {done_at - up_at:.2f} s later; "
        f"{sum(len(p.resent) for p in game.phones)} commands resent, {duplicates} of them "
        f"already committed before the kill (duplicate ack)"
    )
    assert server.pid != old_pid
    assert all(phone.connections >= 2 for phone in game.phones)

    final = await reveal(game, bases)
    log = embedded.log(game.code)
    assert check_acknowledged_votes(game, log) == total
    for (name, cid), seqs in acked_before.items():
        assert all(seq in log for seq in seqs), f"{name} {cid}: acked before the kill, lost"
    results = check_results(game, log)
    assert sum(r["votes"] for r in results.values()) == total
    check_streams(game.everyone(), log, final)
    for client in game.everyone():
        await client.close()
