"""The debrief's numbers, from a small two-round game played on the table."""

import math

import pytest

from game.core import commands as c
from game.core.debrief import (
    commitments,
    debrief,
    most_improved,
    participant_debrief,
    position,
    split,
)
from game.core.model import Vote, participant
from tests.core.table import NO, UNSURE, YES, Table

CAST = ("alice", "bob", "carol", "dan")  # teams: alice & carol in t1, bob & dan in t2


def vote(q1, q2, voter="x", team="t1"):
    return Vote(voter, team, q1, q2)


def play_round(table: Table, moves: dict, votes: list) -> None:
    table.start_round()
    table.advance()
    for who, text in moves.items():
        table.move(who, text)
    table.advance()
    for who, team, q1, q2 in votes:
        table.vote(who, team, q1, q2)
    table.to_phase("leaderboard")


@pytest.fixture
def table() -> Table:
    table = Table(teams=2)
    table.join(*CAST)
    play_round(
        table,
        {"alice": "Offer a bigger cup", "bob": "Ask how their day is going"},
        [
            ("bob", "t1", NO, YES),
            ("dan", "t1", NO, NO),
            ("alice", "t2", YES, YES),
            ("carol", "t2", YES, UNSURE),
        ],
    )
    play_round(
        table,
        {"carol": "Ask what they need first", "dan": "Push the loyalty card"},
        [
            ("bob", "t1", YES, YES),
            ("dan", "t1", YES, YES),
            ("alice", "t2", UNSURE, NO),
            ("carol", "t2", YES, NO),
        ],
    )
    return table


def test_each_move_shows_the_answer_counts_of_both_questions(table):
    first = debrief(table.state)["rounds"][0]
    assert [m["team"] for m in first["moves"]] == ["t1", "t2"]
    t1, t2 = first["moves"]
    assert t1["answers"] == {
        "q1": {"yes": 0, "unsure": 0, "no": 2},
        "q2": {"yes": 1, "unsure": 0, "no": 1},
    }
    assert t2["answers"] == {
        "q1": {"yes": 2, "unsure": 0, "no": 0},
        "q2": {"yes": 1, "unsure": 1, "no": 0},
    }
    assert t1["text"] == "Offer a bigger cup"
    assert (t1["upsell"], t1["total"]) == (True, 0)
    assert (t2["score"], t2["upserve"], t2["total"]) == (75, False, 75)


def test_the_round_carries_its_scenario_and_debrief_prompt(table):
    first = debrief(table.state)["rounds"][0]
    assert first["prompt"] == "Whose morning did the move serve?"
    assert first["title"] == "The latte and the extra question"


def test_a_moves_position_is_the_mean_answer_on_the_plain_scale():
    votes = [vote(YES, NO), vote(UNSURE, NO), vote(NO, YES)]
    assert position(votes) == {"x": 50.0, "y": 33.3}
    assert position([]) is None


def test_the_position_ignores_the_workshops_scoring_weights():
    table = Table(teams=2, settings={"unsure_value": "0.25"})
    table.join(*CAST)
    play_round(table, {"alice": "A", "bob": "B"}, [("bob", "t1", UNSURE, UNSURE)])
    assert debrief(table.state)["rounds"][0]["moves"][0]["position"] == {"x": 50.0, "y": 50.0}


def test_a_unanimous_room_is_not_split_and_an_even_three_way_room_is_fully_split():
    assert split([vote(YES, NO)] * 4) == {"q1": 0.0, "q2": 0.0, "room": 0.0}
    even = [vote(YES, YES), vote(UNSURE, YES), vote(NO, YES)]
    assert split(even) == {"q1": 1.0, "q2": 0.0, "room": 1.0}
    assert split([]) is None


def test_a_two_way_tie_is_split_by_log_two_over_log_three():
    assert split([vote(YES, YES), vote(NO, YES)])["q1"] == round(math.log(2) / math.log(3), 2)


def test_the_standings_after_each_round_are_running_totals(table):
    rounds = debrief(table.state)["standings"]
    assert [r["round"] for r in rounds] == [1, 2]
    assert [(row["team"], row["total"]) for row in rounds[0]["rows"]] == [("t2", 75), ("t1", 0)]
    # round 2: t1 scores 100 and the 20 bonus; t2 gets two noes to question 2, so 0
    assert [(row["team"], row["total"], row["round_total"]) for row in rounds[1]["rows"]] == [
        ("t1", 120, 120),
        ("t2", 75, 0),
    ]


def test_the_most_improved_team_gained_most_from_its_first_round_to_its_last(table):
    assert most_improved(table.state) == {
        "team": "t1",
        "team_name": "Team 1",
        "first": 0,
        "last": 120,
        "gain": 120,
    }


def test_no_team_is_most_improved_after_one_round_or_when_none_got_better():
    table = Table(teams=2)
    table.join(*CAST)
    play_round(table, {"alice": "A", "bob": "B"}, [("bob", "t1", YES, YES)])
    assert most_improved(table.state) is None
    play_round(table, {"alice": "A", "bob": "B"}, [("bob", "t1", NO, NO)])
    assert most_improved(table.state) is None


def test_an_unscored_round_is_left_out(table):
    table.start_round()
    assert len(debrief(table.state)["rounds"]) == 2


def test_a_participant_sees_their_teams_moves_and_their_own_votes(table):
    mine = participant_debrief(table.state, "carol")
    assert [r["move"] for r in mine["rounds"]] == ["Offer a bigger cup", "Ask what they need first"]
    assert mine["rounds"][0]["votes"] == [
        {
            "team": "t2",
            "team_name": "Team 2",
            "text": "Ask how their day is going",
            "q1": "yes",
            "q2": "unsure",
        }
    ]
    assert mine["rounds"][1]["result"]["total"] == 120
    assert participant_debrief(table.state, "nobody") is None


def test_a_participant_moved_to_another_team_keeps_the_move_of_the_team_they_were_in(table):
    table.facilitate(c.AssignTeam("carol", "t2"))
    assert [r["team"] for r in participant_debrief(table.state, "carol")["rounds"]] == ["t1", "t1"]


def test_a_hidden_moves_text_stays_off_a_voters_debrief():
    table = Table(teams=2)
    table.join(*CAST)
    table.start_round()
    table.advance()
    table.move("alice", "Rude")
    table.move("bob", "Fine")
    table.facilitate(c.HideMove("t1"))
    table.advance()
    table.vote("bob", "t1", NO, NO)
    table.to_phase("leaderboard")
    [shown] = participant_debrief(table.state, "bob")["rounds"][0]["votes"]
    assert shown["text"] is None
    assert debrief(table.state)["rounds"][0]["moves"][0]["hidden"] is True


def test_commitments_are_listed_with_their_authors(table):
    table.facilitate(c.EndWorkshop())
    table.do(participant("dan"), c.Commit("Listen first"))
    table.do(participant("alice"), c.Commit("Ask, then offer"))
    assert commitments(table.state) == [
        {"id": "alice", "nickname": "Alice", "text": "Ask, then offer"},
        {"id": "dan", "nickname": "Dan", "text": "Listen first"},
    ]
    assert participant_debrief(table.state, "dan")["commitment"] == "Listen first"
