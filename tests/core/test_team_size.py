"""Team size: joiners fill the smallest team with room, and a full room opens a new team."""

from hypothesis import given, settings
from hypothesis import strategies as st

from game.core import commands as c
from game.core.limits import MAX_TEAMS
from game.core.model import FACILITATOR
from tests.core.table import Table


def sizes(table: Table) -> list[int]:
    return [len(t.members) for t in table.state.teams.values()]


def test_without_a_team_size_the_teams_stay_as_created():
    table = Table(teams=2)
    table.join("alice", "bob", "carol", "dave", "erin")
    assert sizes(table) == [3, 2]


def test_joiners_fill_the_smallest_team_with_room():
    table = Table(teams=2, settings={"team_size": 3})
    table.join("alice", "bob", "carol", "dave")
    assert sizes(table) == [2, 2]


def test_a_new_team_opens_when_every_team_is_full():
    table = Table(teams=2, settings={"team_size": 2})
    table.join("alice", "bob", "carol", "dave")
    table.join("erin")
    assert list(table.state.teams) == ["t1", "t2", "t3"]
    assert table.state.teams["t3"].members == ["erin"]
    assert [ev.type for ev in table.log[-2:]] == ["team_added", "participant_joined"]


def test_the_new_team_gets_a_name_no_team_has_yet():
    table = Table(teams=1, settings={"team_size": 1})
    table.facilitate(c.RenameTeam("t1", "amber"))
    table.join("alice", "bob", "carol")
    assert [t.name for t in table.state.teams.values()] == ["amber", "Cobalt", "Coral"]


def test_a_room_with_no_teams_opens_its_first_one_for_the_first_joiner():
    table = Table(teams=0, settings={"team_size": 4})
    table.join("alice")
    assert table.state.people["alice"].team_id == "t1"


def test_a_seat_freed_by_a_kick_is_filled_before_a_new_team_opens():
    table = Table(teams=2, settings={"team_size": 2})
    table.join("alice", "bob", "carol", "dave")
    table.facilitate(c.RemoveParticipant("bob"))
    table.join("erin")
    assert len(table.state.teams) == 2
    assert table.state.teams["t2"].members == ["dave", "erin"]


def test_teams_hold_still_while_moves_are_written_so_a_latecomer_overfills_one():
    table = Table(teams=2, settings={"team_size": 1})
    table.join("alice", "bob")
    table.start_round()
    table.to_phase("pitch")
    table.join("carol")
    assert sizes(table) == [2, 1]
    table.to_phase("vote")
    table.join("dave")
    assert sizes(table) == [2, 2]


def test_the_cap_on_teams_still_holds():
    table = Table(teams=MAX_TEAMS, settings={"team_size": 1})
    table.join(*(f"p{i}" for i in range(MAX_TEAMS + 1)))
    assert len(table.state.teams) == MAX_TEAMS
    assert max(sizes(table)) == 2


def test_the_team_size_is_a_setting_like_the_others():
    table = Table(settings={"team_size": 5})
    table.facilitate(c.Configure({"team_size": 0}))
    assert table.state.settings.team_size == 0
    assert table.refusal(FACILITATOR, c.Configure({"team_size": -1})) == "settings_invalid"


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 4),
    start=st.integers(0, 3),
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=40),
)
def test_outside_pitch_and_vote_no_team_overflows_and_none_opens_too_soon(size, start, steps):
    table = Table(teams=start, settings={"team_size": size})
    for n, (joining, pick) in enumerate(steps):
        if joining or not table.state.people:
            before = len(table.state.teams)
            full = all(len(t.members) >= size for t in table.state.teams.values())
            table.join(f"p{n}")
            assert (len(table.state.teams) == before + 1) == full
        else:
            people = list(table.state.people)
            table.facilitate(c.RemoveParticipant(people[pick % len(people)]))
        assert max(sizes(table), default=0) <= size
