"""PostgreSQL restarted in the middle of a vote (production shape: two Daphne processes, Redis,
PostgreSQL, 100 phones over real WebSockets).

While it is down, commands get a retryable ``error`` ``unavailable`` (or the socket closes), never
an ``ack``; once it is back, the same Daphne processes take commands again without a restart, the
commands resent with their ids are applied once, and every ack names a committed event. The
recovery times are printed, not asserted (beyond a generous bound)."""

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
BOUND = 60.0


async def test_postgres_restart_mid_vote_recovers_without_restarting_daphne(cluster):
    bases = cluster.bases
    pids = (cluster.a.pid, cluster.b.pid)
    game = await open_vote(bases, phones=PHONES, teams=TEAMS, boss_base=bases[0])
    phones, boss = game.phones, game.boss

    async def vote(i: int, k: int, client_id: str | None = None) -> dict:
        team = game.ballot(i)[k]
        q1, q2 = answer(i, team)
        reply = await phones[i].reliably(
            "vote", bases, client_id=client_id, team=team, q1=q1, q2=q2, timeout=BOUND
        )
        assert reply["type"] == "ack", f"{phones[i].name}: {reply}"
        return reply

    # Every phone votes on its first move; PostgreSQL goes down when half of them are through,
    # with votes in flight and broadcasts on their way.
    acked, half = 0, asyncio.Event()

    async def first_vote(i: int) -> None:
        nonlocal acked
        await vote(i, 0)
        acked += 1
        if acked >= PHONES // 2:
            half.set()

    streaming = [asyncio.create_task(first_vote(i)) for i in range(PHONES)]
    await asyncio.wait_for(half.wait(), BOUND)
    await asyncio.to_thread(cluster.pg.stop)
    down_at = time.monotonic()
    acked_at_stop = acked
    # Once it is down: a fifth of the phones (on both processes) vote on their second move, the
    # facilitator acts, a phone pings. Each gets an answer or loses its socket.
    outage_voters = list(range(0, PHONES, 5))
    sent = {}
    for i in outage_voters:
        team = game.ballot(i)[1]
        q1, q2 = answer(i, team)
        sent[i] = await phones[i].send("vote", team=team, q1=q1, q2=q2)
    boss_id = await boss.send("lock_joining", locked=False)
    during = await asyncio.gather(
        *(phones[i].reply(cid, timeout=BOUND) for i, cid in sent.items()),
        boss.reply(boss_id, timeout=BOUND),
    )
    pinged = await phones[1].ping(timeout=BOUND)
    await asyncio.sleep(1)  # the deadline pollers keep failing meanwhile
    lost_sockets = sum(not c.connected for c in game.everyone())
    cluster.pg.start()
    up_at = time.monotonic()

    for reply in during:
        assert reply["type"] in ("error", "closed"), f"an answer while PostgreSQL was down: {reply}"
        if reply["type"] == "error":
            assert reply["code"] == "unavailable", reply
    assert pinged["type"] in ("error", "closed"), pinged

    # Recovery: the commands sent during the outage, resent with their ids, are acknowledged.
    first_ack: dict[str, float] = {}

    async def resend(i: int) -> None:
        await vote(i, 1, client_id=sent[i])
        first_ack.setdefault(phones[i].base, time.monotonic())

    async def boss_resend() -> None:
        reply = await boss.reliably("lock_joining", bases, client_id=boss_id, timeout=BOUND)
        assert reply["type"] == "ack", reply
        first_ack.setdefault("facilitator", time.monotonic())

    await asyncio.wait_for(
        asyncio.gather(*(resend(i) for i in outage_voters), boss_resend(), *streaming), BOUND
    )
    all_acked_at = time.monotonic()
    assert (cluster.a.pid, cluster.b.pid) == pids and cluster.a.running and cluster.b.running

    kinds = sorted({f"{r['type']}:{r.get('code', '')}" for r in during})
    print(
        f"\n[postgres restart] down {up_at - down_at:.2f} s; {len(during)} commands sent while "
        f"down were answered {kinds}; ping got {pinged['type']}:{pinged.get('code', '')}; "
        f"{lost_sockets} of {len(game.everyone())} sockets were closed by the servers; "
        f"{acked_at_stop} of {PHONES} first votes were acked when it stopped\n"
        f"[postgres restart] after PostgreSQL was back: first ack "
        + ", ".join(f"{k} {t - up_at:.2f} s" for k, t in sorted(first_ack.items()))
        + f"; all {len(during)} outage commands and the interrupted first votes acked in "
        f"{all_acked_at - up_at:.2f} s; "
        f"server exceptions: {log_problems(cluster.a, cluster.b)}"
    )

    # Everyone finishes the ballot; then every ack is checked against the database.
    async def finish(i: int) -> None:
        for k in range(2 if i in outage_voters else 1, TEAMS - 1):
            await vote(i, k)

    await asyncio.gather(*(finish(i) for i in range(PHONES)))
    final = await reveal(game, bases)
    log = cluster.log(game.code)
    # An ack that arrived while PostgreSQL was down can only be for a command sent before.
    for client in game.everyone():
        sent_before = {cid for t, cid in client.transmitted if t < down_at}
        for t, reply in client.received:
            if down_at <= t <= up_at and reply["type"] == "ack":
                assert reply["id"] in sent_before, f"ack while PostgreSQL was down: {reply}"
    assert check_acknowledged_votes(game, log) == PHONES * (TEAMS - 1)
    check_results(game, log)
    for cid, answers in boss.answers.items():
        for ack in (a for a in answers if a["type"] == "ack"):
            assert all(s in log for s in ack["seqs"]), (cid, ack)
    locks = [s for s, (kind, _) in log.items() if kind == "joining_locked"]
    assert len(locks) == 1, "the facilitator's retried command was applied more than once"
    check_streams(game.everyone(), log, final)
    for client in game.everyone():
        await client.close()
