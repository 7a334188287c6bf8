"""Redis stopped and started again on the same port in the middle of a vote (production shape:
two Daphne processes, Redis, PostgreSQL, 100 phones over real WebSockets).

The service recovers by itself: no acknowledged vote is lost, phones resync (``ping`` heals what
a lost broadcast left out, a reconnect resumes from ``last_seq``), and broadcasts between the
processes flow again. The recovery times are printed, not asserted (beyond a generous bound)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.conftest import log_problems
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
OUTAGE = 3.0  # seconds Redis stays down
BOUND = 60.0  # generous bound on every recovery


async def test_redis_restart_mid_vote_recovers_by_itself(cluster):
    bases = cluster.bases
    game = await open_vote(bases, phones=PHONES, teams=TEAMS, boss_base=bases[0])
    phones = game.phones

    async def vote(i: int, k: int) -> dict:
        team = game.ballot(i)[k]
        q1, q2 = answer(i, team)
        reply = await phones[i].reliably("vote", bases, team=team, q1=q1, q2=q2, timeout=BOUND)
        assert reply["type"] == "ack", f"{phones[i].name}: {reply}"
        return reply

    await asyncio.gather(*(vote(i, 0) for i in range(PHONES)))

    cluster.redis.stop()
    down_at = time.monotonic()
    # Phones keep voting while Redis is down (a tenth of them, on both processes).
    outage_voters = list(range(0, PHONES, 10)) + list(range(5, PHONES, 10))
    during = [asyncio.create_task(vote(i, 1)) for i in outage_voters]
    await asyncio.sleep(OUTAGE)
    seen_during = {
        i: [a for cid in phones[i].outbox for a in phones[i].answers.get(cid, [])]
        for i in outage_voters
    }
    closed_during = sum(phones[i].connections > 1 or not phones[i].connected for i in range(PHONES))
    cluster.redis.start()
    up_at = time.monotonic()

    # 1. Resync: every phone pings (or, if its socket is gone, reconnects with last_seq) until
    #    it has seen the latest seq in the log.
    async def resync(i: int) -> None:
        phone = phones[i]
        while True:
            if not phone.connected:
                await phone.reconnect(bases, timeout=BOUND)
            pong = await phone.ping()
            if pong["type"] == "pong" and phone.last_seq >= pong["seq"]:
                return
            await asyncio.sleep(0.1)

    await asyncio.wait_for(asyncio.gather(*(resync(i) for i in range(PHONES))), BOUND)
    resynced_at = time.monotonic()

    # 2. The votes sent during the outage are all acknowledged (resent with their ids).
    await asyncio.wait_for(asyncio.gather(*during), BOUND)
    outage_votes_done_at = time.monotonic()

    # 3. Broadcasts flow again: a new event reaches every phone without any ping.
    probes = 0
    while True:
        assert time.monotonic() - up_at < BOUND, "broadcasts did not recover"
        probes += 1
        reply = await game.boss.reliably("lock_joining", bases, locked=False, timeout=BOUND)
        assert reply["type"] == "ack", reply
        seq = reply["seqs"][-1]
        try:
            await asyncio.gather(*(p.wait_for_seq(seq, timeout=2) for p in phones))
            break
        except TimeoutError:
            continue
    broadcast_at = time.monotonic()

    print(
        f"\n[redis restart] down {up_at - down_at:.2f} s; {len(outage_voters)} phones voted "
        f"during the outage (answers seen while down: "
        f"{sorted({a['type'] + ':' + a.get('code', '') for v in seen_during.values() for a in v})}); "
        f"{closed_during} phones had lost their socket by the restart\n"
        f"[redis restart] after Redis was back: every phone resynced (ping/reconnect) in "
        f"{resynced_at - up_at:.2f} s; outage votes all acked in {outage_votes_done_at - up_at:.2f} s; "
        f"a new broadcast reached all {PHONES} phones {broadcast_at - up_at:.2f} s after "
        f"(probe #{probes})"
    )

    duplicates = sum(
        any(a.get("duplicate") for a in answers)
        for i in outage_voters
        for answers in phones[i].answers.values()
    )
    print(
        f"[redis restart] {duplicates} of the {len(outage_voters)} outage votes had been "
        f"committed before their phone's socket closed (acked as duplicates on resend); "
        f"server exceptions: {log_problems(cluster.a, cluster.b)}"
    )

    # Everyone finishes the ballot; nothing acknowledged is lost, nothing applied twice.
    async def finish(i: int) -> None:
        for k in range(2 if i in outage_voters else 1, TEAMS - 1):
            await vote(i, k)

    await asyncio.gather(*(finish(i) for i in range(PHONES)))
    final = await reveal(game, bases)
    log = cluster.log(game.code)
    total = PHONES * (TEAMS - 1)
    assert check_acknowledged_votes(game, log) == total
    check_results(game, log)
    check_streams(game.everyone(), log, final)
    for client in game.everyone():
        await client.close()
