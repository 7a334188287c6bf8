from game.core import commands as c
from game.core.model import participant
from tests.core.table import Table


def pitching_table() -> Table:
    table = Table(teams=2)
    table.join("alice", "bob", "carol")  # alice, carol in t1; bob in t2
    table.start_round()
    table.advance()
    return table


def test_a_team_member_saves_the_teams_move():
    table = pitching_table()
    table.move("alice", "Ask how long they are staying, then offer a refill card.")
    move = table.state.current_round.moves["t1"]
    assert (move.text, move.version, move.author_id) == (
        "Ask how long they are staying, then offer a refill card.",
        1,
        "alice",
    )


def test_a_teammate_edits_the_latest_version_and_it_wins():
    table = pitching_table()
    table.move("alice", "First idea")
    table.move("carol", "Better idea")
    move = table.state.current_round.moves["t1"]
    assert (move.text, move.version, move.author_id) == ("Better idea", 2, "carol")


def test_an_edit_based_on_a_stale_copy_is_refused_not_lost():
    table = pitching_table()
    table.move("alice", "First idea")
    table.move("carol", "Carol's idea")
    refused = table.refusal(participant("alice"), c.SubmitMove("Alice's late edit", 1))
    assert refused == "stale_move"
    assert table.state.current_round.moves["t1"].text == "Carol's idea"


def test_teams_keep_separate_moves():
    table = pitching_table()
    table.move("alice", "One")
    table.move("bob", "Two")
    assert {t: m.text for t, m in table.state.current_round.moves.items()} == {
        "t1": "One",
        "t2": "Two",
    }
