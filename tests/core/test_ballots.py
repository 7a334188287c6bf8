from collections import Counter

from game.core.ballots import ballot_for
from tests.core.table import Table


def vote_open(teams: int, people: int, settings: dict | None = None) -> Table:
    table = Table(teams=teams, settings=settings)
    names = [f"p{i:03}" for i in range(people)]
    table.join(*names)
    table.start_round()
    table.advance()
    for name in names[:teams]:
        table.move(name)
    table.advance()
    return table


def test_with_eight_teams_or_fewer_everyone_rates_every_other_move():
    table = vote_open(teams=8, people=16)
    ballot = ballot_for(table.state, table.state.current_round, "p000")
    assert sorted(ballot) == [f"t{i}" for i in range(2, 9)]


def test_in_a_large_room_each_voter_gets_five_other_teams_moves():
    table = vote_open(teams=12, people=60)
    for pid, person in table.state.people.items():
        ballot = ballot_for(table.state, table.state.current_round, pid)
        assert len(ballot) == 5 == len(set(ballot))
        assert person.team_id not in ballot


def test_in_a_large_room_every_move_gets_about_the_same_number_of_ratings():
    table = vote_open(teams=12, people=120)
    counts = Counter(
        team
        for pid in table.state.people
        for team in ballot_for(table.state, table.state.current_round, pid)
    )
    assert set(counts) == set(table.state.teams)
    assert max(counts.values()) - min(counts.values()) <= 2


def test_the_ballot_size_is_a_setting():
    table = vote_open(teams=10, people=20, settings={"ballot_size": 3})
    assert len(ballot_for(table.state, table.state.current_round, "p000")) == 3
