"""Archives built straight from the game core (no database): a crafted one shaped like the
issue's attack (no teams, many people, many empty rounds) and a plain big workshop."""

from __future__ import annotations

import json
from dataclasses import asdict

from game.core import commands as c
from game.core.ballots import ballot_for
from game.core.decide import decide
from game.core.evolve import evolve
from game.core.model import FACILITATOR, Answer, State, participant
from workshop.exports import ARCHIVE_FORMAT, ARCHIVE_VERSION

CARD = {
    "slug": "latte",
    "title": "The latte",
    "customer": "A café customer",
    "situation": "Orders a latte on the way to a meeting",
    "ask": "What do you offer?",
    "debrief": "",
}


class _Log:
    def __init__(self) -> None:
        self.state = State()
        self.rows: list[dict] = []
        self.at = 1_700_000_000.0

    def do(self, actor, command) -> None:
        self.at += 1
        for event in decide(self.state, command, actor, self.at):
            evolve(self.state, event, self.state.seq + 1)
            self.rows.append(
                {
                    "seq": self.state.seq,
                    "type": event.type,
                    "data": event.data,
                    "recorded_at": self.at,
                }
            )

    def document(self) -> dict:
        return {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "workshop": {
                "title": self.state.title,
                "plan": [0],
                "settings": asdict(self.state.settings),
                "last_seq": self.state.seq,
            },
            "scenarios": [CARD],
            "events": self.rows,
        }


def crafted(people: int, rounds: int) -> dict:
    """No teams, ``people`` joined, ``rounds`` rounds played through with no move and no vote:
    each vote phase copies the whole roster into the round's lineup."""
    log = _Log()
    log.do(FACILITATOR, c.CreateWorkshop("Crafted", (), {}))
    for n in range(people):
        log.do(participant(f"p{n}"), c.Join(f"P{n}"))
    for _ in range(rounds):
        log.do(FACILITATOR, c.StartRound(CARD))
        for _phase in range(4):
            log.do(FACILITATOR, c.Advance())
    return log.document()


def played(people: int, teams: int, rounds: int) -> dict:
    """A plain workshop: everyone joins, each round every team writes a move and every person
    votes on their ballot."""
    log = _Log()
    names = tuple(f"Team {n}" for n in range(teams))
    log.do(FACILITATOR, c.CreateWorkshop("Big room", names, {}))
    for n in range(people):
        log.do(participant(f"p{n}"), c.Join(f"P{n}"))
    for _ in range(rounds):
        log.do(FACILITATOR, c.StartRound(CARD))
        log.do(FACILITATOR, c.Advance())
        for team in log.state.teams.values():
            log.do(participant(team.members[0]), c.SubmitMove("Ask what the latte is for", 0))
        log.do(FACILITATOR, c.Advance())
        current = log.state.current_round
        for pid in list(log.state.people):
            for other in ballot_for(log.state, current, pid):
                log.do(participant(pid), c.CastVote(other, Answer.YES, Answer.UNSURE))
        log.do(FACILITATOR, c.Advance())
        log.do(FACILITATOR, c.Advance())
    log.do(FACILITATOR, c.EndWorkshop())
    return log.document()


def text(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()
