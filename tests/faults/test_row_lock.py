"""A process waiting for the workshop's game row (held by another process's commit) keeps serving
pages that read the room (production shape: two Daphne processes, Redis, PostgreSQL)."""

from __future__ import annotations

import asyncio
import urllib.request

import psycopg
import pytest

from tests.faults.game import open_vote

pytestmark = [pytest.mark.services, pytest.mark.asyncio]


def status_of(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


async def test_pages_answer_while_another_process_holds_the_workshops_row(cluster):
    a, _ = cluster.bases
    game = await open_vote(cluster.bases, phones=2, teams=2, boss_base=a)
    phone, team = game.phones[0], game.ballot(0)[0]  # the phone is on process A
    with psycopg.connect(cluster.database_url) as other_process:
        other_process.execute(
            "SELECT 1 FROM game_game g JOIN workshop_workshop w ON w.id = g.workshop_id"
            " WHERE w.code = %s FOR UPDATE OF g",
            (game.code,),
        )
        vote = asyncio.ensure_future(phone.command("vote", team=team, q1="yes", q2="yes"))
        await asyncio.sleep(0.5)
        assert not vote.done()  # A's group commit waits for the row
        # A's join page reads the room from A's fold, which the waiting commit has not locked.
        assert await asyncio.to_thread(status_of, f"{a}/join/{game.code}/") == 200
        other_process.rollback()
    assert (await vote)["type"] == "ack"
    for client in game.everyone():
        await client.close()
