"""A workshop driven to its vote over real sockets, and the checks every fault test makes
afterwards: against the event log read straight from the database, and against each client's
own stream of events."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass

from tests.e2e.wire import Client, connect_many, create_workshop, log_in, seat_many

PASSWORD = "a long facilitator passphrase"
CARD = {
    "title": "The partner team on a Friday",
    "customer": "A partner department worn down by last-minute requests",
    "situation": "Third rushed request this month.",
    "ask": "What do you ask for, and what do you offer?",
}
ANSWERS = ["yes", "unsure", "no"]


def answer(phone: int, team: str, change: int = 0) -> tuple[str, str]:
    """The answers phone ``phone`` gives the move of ``team`` (deterministic, well mixed)."""
    k = phone * 7 + int(team[1:]) * 3 + change
    return ANSWERS[k % 3], ANSWERS[(k // 3) % 3]


@dataclass
class Game:
    code: str
    screen_key: str
    boss: Client
    phones: list[Client]
    team_of: list[str]
    teams: list[str]
    log_in_cookie: str  # the facilitator's session, for a second console

    def ballot(self, i: int) -> list[str]:
        return [t for t in self.teams if t != self.team_of[i]]

    def everyone(self) -> list[Client]:
        return [self.boss, *self.phones]


async def seat_workshop(
    bases: list[str], phones: int, teams: int, boss_base: str, title: str = "Faults"
) -> Game:
    """A workshop with ``phones`` phones (phone i joined and connected on ``bases[i % len]``)
    in ``teams`` teams, timers off, the facilitator connected on ``boss_base``."""
    browser = await asyncio.to_thread(log_in, boss_base, "fiona", PASSWORD)
    code = await asyncio.to_thread(create_workshop, browser, title, teams)
    _, console = await asyncio.to_thread(browser.get, f"/console/{code}/")
    screen_key = re.search(r"/screen/" + code + r"/\?key=([\w-]+)", console).group(1)
    boss = Client(code, "boss", "facilitator", cookie=browser.cookie_header())
    await boss.connect(boss_base)
    await boss.must("configure", settings={"pitch_seconds": 0, "vote_seconds": 0})
    tokens = await asyncio.to_thread(seat_many, bases, code, [f"Phone {i}" for i in range(phones)])
    clients = [Client(code, f"p{i}", "participant", token=t) for i, t in enumerate(tokens)]
    await connect_many(clients, bases)
    team_of = [c.snapshot["you"]["team"] for c in clients]
    team_ids = [t["id"] for t in boss.snapshot["teams"]]
    return Game(code, screen_key, boss, clients, team_of, team_ids, browser.cookie_header())


async def start_vote(game: Game) -> None:
    """Start a round, let one member of every team write its move, open the vote."""
    await game.boss.must("start_round", scenario=CARD)
    await game.boss.must("advance")  # pitch
    for team in game.teams:
        writer = game.phones[game.team_of.index(team)]
        await writer.must("submit_move", text=f"{team}: ask first, then offer", base_version=0)
    opened = (await game.boss.must("advance"))["seqs"][-1]  # vote
    await asyncio.gather(*(c.wait_for_seq(opened, timeout=60) for c in game.everyone()))


async def open_vote(
    bases: list[str], phones: int, teams: int, boss_base: str, title: str = "Faults"
) -> Game:
    """``seat_workshop``, then ``start_vote``."""
    game = await seat_workshop(bases, phones, teams, boss_base, title)
    await start_vote(game)
    return game


async def reveal(game: Game, bases: list[str]) -> int:
    """Advance to reveal (seeing it through faults); returns the last seq once every client
    has received it."""
    reply = await game.boss.reliably("advance", bases)
    assert reply["type"] == "ack", reply
    final = reply["seqs"][-1]
    await asyncio.gather(*(c.wait_for_seq(final, timeout=60) for c in game.everyone()))
    return final


def vote_acks(phone: Client) -> dict[str, tuple[dict, list[dict]]]:
    """For each vote command of this phone that was acknowledged: (command, its acks)."""
    return {
        cid: (phone.sent[cid], [a for a in answers if a["type"] == "ack"])
        for cid, answers in phone.answers.items()
        if phone.sent[cid]["type"] == "vote" and any(a["type"] == "ack" for a in answers)
    }


def check_acknowledged_votes(game: Game, log: dict[int, tuple[str, dict]]) -> int:
    """Every acknowledged vote is in the log, as sent, at the seq its ack named; every retry's
    ack names the same seq; each command was applied once. Returns how many votes were acked."""
    applied = 0
    for phone in game.phones:
        for cid, (sent, acks) in vote_acks(phone).items():
            seqs = {tuple(a["seqs"]) for a in acks}
            assert len(seqs) == 1, f"{phone.name} {cid}: acks name different seqs: {acks}"
            (seq,) = acks[0]["seqs"]
            assert seq in log, f"{phone.name} {cid}: acked seq {seq} is not in the database"
            kind, data = log[seq]
            assert kind == "vote_cast", (cid, seq, kind, data)
            assert data["voter"] == phone.you, (cid, seq, data)
            assert (data["team"], data["q1"], data["q2"]) == (sent["team"], sent["q1"], sent["q2"])
            assert sum(not a["duplicate"] for a in acks) <= 1, f"{cid} applied twice: {acks}"
            applied += 1
    cast = [seq for seq, (kind, _) in log.items() if kind == "vote_cast"]
    assert len(cast) == applied, (
        f"{len(cast)} vote_cast events in the log for {applied} acknowledged vote commands"
    )
    return applied


def expected_results(game: Game) -> dict[str, dict]:
    """What round_scored must say, from the last acknowledged vote of each phone on each move."""
    last: dict[tuple[int, str], tuple[int, str, str]] = {}
    for i, phone in enumerate(game.phones):
        for sent, acks in vote_acks(phone).values():
            seq = acks[0]["seqs"][0]
            key = (i, sent["team"])
            if key not in last or last[key][0] < seq:
                last[key] = (seq, sent["q1"], sent["q2"])
    expected = {}
    for team in game.teams:
        votes = [(q1, q2) for (i, t), (_, q1, q2) in last.items() if t == team]
        q1s, q2s = Counter(q1 for q1, _ in votes), Counter(q2 for _, q2 in votes)
        expected[team] = {
            "votes": len(votes),
            "answers": {
                "q1": {a: q1s[a] for a in ANSWERS},
                "q2": {a: q2s[a] for a in ANSWERS},
            },
        }
    return expected


def check_results(game: Game, log: dict[int, tuple[str, dict]]) -> dict:
    scored = [data for kind, data in log.values() if kind == "round_scored"]
    assert len(scored) == 1, scored
    results = scored[0]["results"]
    got = {t: {"votes": r["votes"], "answers": r["answers"]} for t, r in results.items()}
    assert got == expected_results(game)
    # The clients were told the same thing.
    assert game.boss.event_data("round_scored")[-1]["results"] == results
    return results


def check_streams(clients: list[Client], log: dict[int, tuple[str, dict]], final: int) -> None:
    """Each client saw every event from its first one to ``final`` exactly once, in order, and
    each is the event the log holds at that seq (redacted or not)."""
    for client in clients:
        assert client.failure is None, client.failure
        assert client.seqs == list(range(client.seqs[0], final + 1)), (
            f"{client.name}: {len(client.seqs)} events from {client.seqs[0]} to {client.seqs[-1]}"
        )
        for message in client.events:
            for covered in range(message.get("first_seq", message["seq"]), message["seq"]):
                # a run of other people's votes, coalesced into one message
                kind, data = log[covered]
                assert kind == "vote_cast" and data["voter"] != client.you, (client.name, message)
            kind, data = log[message["seq"]]
            assert message["event"] == kind, (client.name, message, kind)
            if kind == "vote_cast":
                mine = data["voter"] == client.you
                assert ("voter" in message["data"]) == mine, (client.name, message)
                assert message["data"]["votes_in"] == data["votes_in"]
