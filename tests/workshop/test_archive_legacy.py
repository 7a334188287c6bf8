"""Archives exported before an event grew a field still import: the rules' check takes the
older shape of the event, since the fold never needed the field."""

from game.core import commands as c
from game.core.events import Event
from tests.core.table import Table
from workshop.archive_check import check_log


def removal_mid_vote() -> Table:
    table = Table(teams=2)
    table.join("alice", "bob", "carol")
    table.start_round()
    table.advance()
    table.move("bob")
    table.advance()
    table.vote("alice", "t2")
    table.vote("carol", "t2")
    table.facilitate(c.RemoveParticipant("alice"))
    return table


def test_a_voter_removed_mid_vote_imports_with_or_without_the_new_count():
    table = removal_mid_vote()
    log = [(i + 1, event, table.now) for i, event in enumerate(table.log)]
    assert log[-1][1].data["votes_in"] == 1
    assert check_log(log).current_round.votes == table.state.current_round.votes
    old = {k: v for k, v in log[-1][1].data.items() if k != "votes_in"}
    legacy = [*log[:-1], (log[-1][0], Event(log[-1][1].type, old), table.now)]
    assert check_log(legacy).current_round.votes == table.state.current_round.votes
