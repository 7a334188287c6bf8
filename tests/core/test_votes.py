from tests.core.table import NO as ANSWER_NO
from tests.core.table import UNSURE, YES, Table


def voting_table() -> Table:
    table = Table(teams=3)
    table.join(
        "alice", "bob", "carol", "dave", "erin", "frank"
    )  # t1: alice dave; t2: bob erin; t3: carol frank
    table.start_round()
    table.advance()
    table.move("alice", "Team one's move")
    table.move("bob", "Team two's move")
    table.move("carol", "Team three's move")
    table.advance()
    return table


def test_a_voter_rates_another_teams_move_on_both_questions():
    table = voting_table()
    table.vote("alice", "t2", YES, UNSURE)
    vote = table.state.current_round.votes[("alice", "t2")]
    assert (vote.q1, vote.q2) == (YES, UNSURE)


def test_a_voter_changes_their_mind_and_only_the_last_vote_counts():
    table = voting_table()
    table.vote("alice", "t2", YES, YES)
    table.vote("alice", "t2", ANSWER_NO, UNSURE)
    votes = [v for v in table.state.current_round.votes.values() if v.voter_id == "alice"]
    assert [(v.team_id, v.q1, v.q2) for v in votes] == [("t2", ANSWER_NO, UNSURE)]


def test_the_vote_event_counts_distinct_votes_in():
    table = voting_table()
    first = table.vote("alice", "t2")
    again = table.vote("alice", "t2", ANSWER_NO, ANSWER_NO)
    other = table.vote("bob", "t1")
    assert [e.data["votes_in"] for e in (*first, *again, *other)] == [1, 1, 2]


def test_the_vote_phase_freezes_every_move_for_all_to_see():
    table = voting_table()
    opened = next(e for e in table.log if e.type == "phase_changed" and e.data["phase"] == "vote")
    assert opened.data["moves"] == {
        "t1": "Team one's move",
        "t2": "Team two's move",
        "t3": "Team three's move",
    }
