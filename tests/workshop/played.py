"""A small workshop played through the game service with a fixed cast and a frozen clock: two
rounds, edited moves, changed votes, a hidden move, a renamed nickname and team, a paused and
adjusted timer, a removal, and an end. Exports, archives and cohorts tests all start from it."""

from __future__ import annotations

from game import service
from game.core import commands as c
from game.core.model import FACILITATOR, Answer, participant
from workshop.models import Scenario

YES, UNSURE, NO = Answer.YES, Answer.UNSURE, Answer.NO
CAST = {"alice": "Alice", "bob": "Bob", "carol": "Carol", "dan": "Dan"}


def _ok(workshop, actor, command) -> None:
    outcome = service.submit(workshop_id=workshop.pk, actor=actor, command=command)
    assert outcome.ok, (command, outcome.code, outcome.message)


def play(workshop, clock, *, votes_round_2=None) -> None:
    """Alice and Carol end up in t1, Bob and Dan in t2 (joins fill the smallest team)."""
    cards = [s.as_card() for s in Scenario.objects.filter(deck=workshop.deck)[:2]]
    host = FACILITATOR

    def step(actor, command, seconds: float = 3) -> None:
        clock.advance(seconds)
        _ok(workshop, actor, command)

    for pid, nickname in CAST.items():
        step(participant(pid), c.Join(nickname))
    step(host, c.RenameParticipant("dan", "Daniel"))
    step(host, c.RenameTeam("t2", "Night owls"))
    # Round 1: an edited move, a changed vote, a move hidden during the vote.
    step(host, c.StartRound(cards[0]))
    step(host, c.Advance())
    step(participant("alice"), c.SubmitMove("Ask what the latte is for, then offer a lid", 0))
    step(participant("carol"), c.SubmitMove("=Ask first, then offer what helps", 1))
    step(participant("bob"), c.SubmitMove("Sell the large size", 0))
    step(host, c.AdjustTimer(30))
    step(host, c.Advance())
    step(participant("alice"), c.CastVote("t2", NO, UNSURE))
    step(participant("carol"), c.CastVote("t2", NO, NO))
    step(participant("bob"), c.CastVote("t1", YES, UNSURE))
    step(participant("bob"), c.CastVote("t1", YES, YES))
    step(participant("dan"), c.CastVote("t1", YES, YES))
    step(host, c.HideMove("t2"))
    step(host, c.Advance())
    step(host, c.Advance())
    # Round 2: a paused timer, a move hidden in the pitch, someone removed mid-vote.
    step(host, c.StartRound(cards[1]))
    step(host, c.Advance())
    step(host, c.Pause(), 10)
    step(host, c.Resume(), 20)
    step(participant("carol"), c.SubmitMove("Stay late once, and fix the rota with them", 0))
    step(participant("dan"), c.SubmitMove("Promise a bonus if they stay all week", 0))
    step(host, c.HideMove("t2"))
    step(host, c.HideMove("t2", hidden=False))
    step(host, c.Advance())
    for voter, team, q1, q2 in votes_round_2 or [
        ("alice", "t2", UNSURE, YES),
        ("carol", "t2", NO, UNSURE),
        ("bob", "t1", YES, YES),
        ("dan", "t1", YES, UNSURE),
    ]:
        step(participant(voter), c.CastVote(team, q1, q2))
    step(host, c.RemoveParticipant("dan", ban=True))
    step(host, c.Advance())
    step(host, c.Advance())
    step(host, c.EndWorkshop())
    step(participant("alice"), c.Commit("Ask what they need before I offer anything."))
