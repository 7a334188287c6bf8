"""A whole workshop over real sockets: two Daphne processes, real Redis and PostgreSQL, a
facilitator, a screen and nine phones in three teams, one phone dropping mid-vote and resuming
on the other process. The leaderboard is checked against a hand computation."""

import asyncio
import re

import pytest

from tests.e2e.conftest import PASSWORD
from tests.e2e.wire import Client, create_workshop, join, log_in

pytestmark = [pytest.mark.services, pytest.mark.asyncio]

CARD = {
    "title": "The latte and the extra question",
    "customer": "A regular with a laptop",
    "situation": "A quiet morning; the till nudges an add-on.",
    "ask": "Pitch what you would offer, if anything.",
}
YES, UNSURE, NO = "yes", "unsure", "no"

# Phone i joins as the i-th participant, so auto-balancing puts it in team t{i % 3 + 1}.
TEAM_OF = {i: f"t{i % 3 + 1}" for i in range(9)}

# For each round and move: the answers its six voters give, in order of the voters' phone number.
ROUND_1 = {
    "t1": [(YES, YES)] * 6,  # 100, badge +20 -> 120
    "t2": [(NO, YES)] * 4 + [(YES, YES)] * 2,  # 4 of 6 say no to q1: upsell -> 0
    "t3": [(YES, UNSURE)] * 3 + [(UNSURE, UNSURE)] * 3,  # (3*0.5 + 3*0.25)/6 = 0.375 -> 38
}
ROUND_2 = {  # t3 submits no move this round -> 0
    "t1": [(YES, YES)] * 3 + [(YES, NO)] * 3,  # 0.5 -> 50; 3 of 6 both-yes: no badge
    "t2": [(YES, YES)] * 4 + [(UNSURE, YES)] * 2,  # 5/6 -> 83; 4 of 6 both-yes: badge +20 -> 103
}
EXPECTED_STANDINGS = [("t1", 170, 1), ("t2", 103, 1), ("t3", 38, 0)]


def answers(table: dict, voter: int, team: str) -> tuple[str, str]:
    voters = [i for i in range(9) if TEAM_OF[i] != team]
    return table[team][voters.index(voter)]


async def test_a_two_round_workshop_across_two_processes(production_shape):
    a, b = production_shape
    boss_browser = await asyncio.to_thread(log_in, a, "fiona", PASSWORD)
    code = await asyncio.to_thread(create_workshop, boss_browser, "End to end", 3)
    _, console = await asyncio.to_thread(boss_browser.get, f"/console/{code}/")
    screen_key = re.search(r"/screen/" + code + r"/\?key=([\w-]+)", console).group(1)

    tokens = [await asyncio.to_thread(join, (a, b)[i % 2], code, f"Phone {i}") for i in range(9)]
    boss = Client(code, "boss", "facilitator", cookie=boss_browser.cookie_header())
    screen = Client(code, "screen", "screen", token=screen_key)
    phones = [Client(code, f"phone{i}", "participant", token=t) for i, t in enumerate(tokens)]
    await boss.connect(a)
    await screen.connect(b)
    for i, phone in enumerate(phones):
        await phone.connect((a, b)[i % 2])
    everyone = [boss, screen, *phones]
    assert [p.snapshot["you"]["team"] for p in phones] == [TEAM_OF[i] for i in range(9)]
    # The facilitator's list of who is connected spans both processes.
    await boss.wait_for_presence({p.you for p in phones})

    async def play_round(table: dict, drop: int | None = None) -> None:
        await boss.must("start_round", scenario=CARD)
        await boss.must("advance")  # pitch
        for team in table:
            writer = phones[next(i for i in range(9) if TEAM_OF[i] == team)]
            await writer.must("submit_move", text=f"{team}: ask first, then offer", base_version=0)
        await boss.must("advance")  # vote
        await asyncio.gather(*(p.wait_for_seq(boss.last_seq) for p in phones))
        ballots = {i: [t for t in table if t != TEAM_OF[i]] for i in range(9)}
        if drop is not None:
            first, *rest = ballots[drop]
            q1, q2 = answers(table, drop, first)
            await phones[drop].must("vote", team=first, q1=q1, q2=q2)
            await phones[drop].drop()
            await boss.wait_for_presence({p.you for p in phones} - {phones[drop].you})
            ballots[drop] = rest
        for i in range(9):
            if i == drop:
                continue
            for team in ballots[i]:
                q1, q2 = answers(table, i, team)
                await phones[i].must("vote", team=team, q1=q1, q2=q2)
        if drop is not None:
            # Back on the *other* process, saying the last seq it saw.
            await phones[drop].connect((b, a)[drop % 2])
            for team in ballots[drop]:
                q1, q2 = answers(table, drop, team)
                await phones[drop].must("vote", team=team, q1=q1, q2=q2)
        await boss.must("advance")  # reveal
        await boss.must("advance")  # leaderboard
        await asyncio.gather(*(c.wait_for_seq(boss.last_seq) for c in everyone))

    await play_round(ROUND_1, drop=4)
    await play_round(ROUND_2)

    scored = screen.event_data("round_scored")
    totals = {t: sum(r["results"][t]["total"] for r in scored) for t in ("t1", "t2", "t3")}
    badges = {t: sum(r["results"][t]["upserve"] for r in scored) for t in ("t1", "t2", "t3")}
    assert [(t, totals[t], badges[t]) for t, _, _ in EXPECTED_STANDINGS] == EXPECTED_STANDINGS
    assert scored[0]["results"]["t2"]["upsell"] is True
    assert scored[1]["results"]["t3"]["has_move"] is False

    late = Client(code, "late-screen", "screen", token=screen_key)
    await late.connect(a)
    standings = [(r["team"], r["total"], r["badges"]) for r in late.snapshot["standings"]]
    assert standings == EXPECTED_STANDINGS

    final = boss.last_seq
    for client in everyone:
        # Gapless: every event from the first one seen to the last, each exactly once.
        assert client.seqs == list(range(client.seqs[0], final + 1)), client.name
        assert client.failure is None
    resumed = phones[4]
    assert len(resumed.seqs) == len(set(resumed.seqs))
    others_votes = [d for d in phones[0].event_data("vote_cast") if "voter" in d]
    assert {d["voter"] for d in others_votes} == {phones[0].you}
    for client in (*everyone, late):
        await client.close()
