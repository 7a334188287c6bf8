"""A finished two-round workshop for the debrief tests, played through the one write path."""

from __future__ import annotations

from game import service
from game.core import commands as c
from game.core.model import FACILITATOR, Answer, participant
from workshop.models import Workshop
from workshop.rooms import participant_join

YES, UNSURE, NO = Answer.YES, Answer.UNSURE, Answer.NO
CAST = ("Alice", "Bob", "Carol", "Dan")  # two teams: Alice & Carol, Bob & Dan
MOVES = (
    {"Alice": "Offer a bigger cup", "Bob": "Ask how their day is going"},
    {"Carol": "Ask what they need first", "Dan": "Push the loyalty card"},
)
VOTES = (
    [("Bob", NO, YES), ("Dan", NO, NO), ("Alice", YES, YES), ("Carol", YES, UNSURE)],
    [("Bob", YES, YES), ("Dan", YES, YES), ("Alice", UNSURE, NO), ("Carol", YES, NO)],
)


def _ok(workshop: Workshop, actor, command) -> None:
    outcome = service.submit(workshop_id=workshop.pk, actor=actor, command=command)
    assert outcome.ok, outcome.message


def play_two_rounds(workshop: Workshop, *, end: bool = True) -> dict[str, dict]:
    """Seats the cast, plays both rounds to their leaderboard and ends the workshop. Returns
    each person's participant id and seat token."""
    seats = {}
    for name in CAST:
        outcome, token = participant_join(workshop=workshop, nickname=name)
        assert outcome.ok
        seats[name] = {"id": outcome.logged[-1].event.data["participant"], "token": token}
    cards = [s.as_card() for s, _ in workshop.scenarios_in_play_order()[:2]]
    with service.reading(workshop.pk) as state:
        team_of = {name: state.team_of(seat["id"]) for name, seat in seats.items()}
    other = {"t1": "t2", "t2": "t1"}
    for card, moves, votes in zip(cards, MOVES, VOTES, strict=True):
        _ok(workshop, FACILITATOR, c.StartRound(card))
        _ok(workshop, FACILITATOR, c.Advance())
        for name, text in moves.items():
            _ok(workshop, participant(seats[name]["id"]), c.SubmitMove(text, 0))
        _ok(workshop, FACILITATOR, c.Advance())
        for name, q1, q2 in votes:
            vote = c.CastVote(other[team_of[name]], q1, q2)
            _ok(workshop, participant(seats[name]["id"]), vote)
        _ok(workshop, FACILITATOR, c.Advance())
        _ok(workshop, FACILITATOR, c.Advance())
    if end:
        _ok(workshop, FACILITATOR, c.EndWorkshop())
    return seats
