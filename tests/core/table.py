"""A game on the table for tests: the pure core driven directly, with a hand-turned clock."""

from __future__ import annotations

import pytest

from game.core import commands as c
from game.core.decide import decide
from game.core.events import Event
from game.core.evolve import evolve
from game.core.model import FACILITATOR, SYSTEM, Actor, Answer, State, participant
from game.core.refusals import Refusal

YES, UNSURE, NO = Answer.YES, Answer.UNSURE, Answer.NO

CARD = {
    "title": "The latte and the extra question",
    "customer": "A regular with a laptop",
    "situation": "A quiet morning; the till nudges an add-on.",
    "ask": "Pitch what you would offer, if anything.",
    "debrief": "Whose morning did the move serve?",
}


class Table:
    def __init__(self, teams: int = 3, settings: dict | None = None, now: float = 1000.0) -> None:
        self.state = State()
        self.now = now
        self.log: list[Event] = []
        names = tuple(f"Team {i + 1}" for i in range(teams))
        self.do(FACILITATOR, c.CreateWorkshop("Morning workshop", names, settings or {}))

    def do(self, actor: Actor, command: c.Command) -> list[Event]:
        events = decide(self.state, command, actor, self.now)
        for event in events:
            evolve(self.state, event)
        self.log.extend(events)
        return events

    def refusal(self, actor: Actor, command: c.Command) -> str:
        with pytest.raises(Refusal) as refused:
            decide(self.state, command, actor, self.now)
        return refused.value.code

    # -- shortcuts -------------------------------------------------------------------------

    def join(self, *names: str) -> None:
        for name in names:
            self.do(participant(name), c.Join(name.title()))

    def facilitate(self, command: c.Command) -> list[Event]:
        return self.do(FACILITATOR, command)

    def start_round(self) -> None:
        self.facilitate(c.StartRound(CARD))

    def advance(self) -> list[Event]:
        return self.facilitate(c.Advance())

    def to_phase(self, phase: str) -> None:
        while self.state.phase.value != phase:
            self.advance()

    def move(self, who: str, text: str = "We listen first.") -> list[Event]:
        current = self.state.current_round
        team = self.state.team_of(who)
        version = current.moves[team].version if team in current.moves else 0
        return self.do(participant(who), c.SubmitMove(text, version))

    def vote(self, who: str, team: str, q1: Answer = YES, q2: Answer = YES) -> list[Event]:
        return self.do(participant(who), c.CastVote(team, q1, q2))

    def tick(self, seconds: float) -> list[Event]:
        self.now += seconds
        return self.do(SYSTEM, c.CloseDuePhase())
