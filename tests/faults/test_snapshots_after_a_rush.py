"""A rush of joins over HTTP on both Daphne processes (production shape), then phones
(re)connecting without ``last_seq``: every process must serve a snapshot that is exactly the fold
of the log, and every newcomer must have been seated by the rules.

Each process keeps its fold of the log in memory (its room's, game/room.py) and shares it between
the threads that serve HTTP requests and the one that serves sockets; this test is where a race
on that shared fold shows."""

from __future__ import annotations

import pytest

from tests.e2e.wire import Client
from tests.faults.game import seat_workshop
from tests.faults.test_reconnects import reload_page

pytestmark = [pytest.mark.services, pytest.mark.asyncio]


async def test_every_process_serves_the_logs_teams_after_a_rush_of_joins(cluster):
    """A hundred phones join at once over HTTP, on both processes. Whichever process a phone
    (re)connects to without ``last_seq``, the snapshot must be the fold of the log: every
    participant exactly once, in the team its ``participant_joined`` names, in join order. And
    each newcomer went to a smallest team (ties: the team created first), as the rules say."""
    a, b = cluster.bases
    game = await seat_workshop(cluster.bases, phones=100, teams=4, boss_base=a)
    log = cluster.log(game.code)
    joined = [(d["participant"], d["team"]) for k, d in log.values() if k == "participant_joined"]
    by_log = {t: [p for p, team in joined if team == t] for t in game.teams}
    problems = []

    for base in (a, b):
        screen = Client(game.code, "screen", "screen", token=game.screen_key)
        await screen.connect(base)
        served = {t["id"]: [m["id"] for m in t["members"]] for t in screen.snapshot["teams"]}
        await screen.close()
        for team in game.teams:
            if served[team] != by_log[team]:
                dupes = len(served[team]) - len(set(served[team]))
                problems.append(
                    f"process {base}: team {team} has {len(served[team])} members in the snapshot "
                    f"({dupes} listed twice), {len(by_log[team])} in the log"
                )
    for phone in game.phones:
        fresh = await reload_page(phone, b if phone.base == a else a)
        if fresh.snapshot["you"]["team"] != dict(joined)[phone.you]:
            problems.append(f"{phone.name}: snapshot team differs from its join event")
        await fresh.close()

    sizes = dict.fromkeys(game.teams, 0)
    for n, (_, team) in enumerate(joined):
        smallest = next(t for t in game.teams if sizes[t] == min(sizes.values()))
        if team != smallest:
            problems.append(f"join #{n + 1} went to {team}, not {smallest}, with sizes {sizes}")
        sizes[team] += 1

    assert not problems, "\n".join(problems)
    for client in game.everyone():
        await client.close()
