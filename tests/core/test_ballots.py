from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.core import commands as c
from game.core.ballots import ballot_for
from game.core.evolve import evolve
from game.core.model import FACILITATOR, Phase, Role, State
from game.core.visibility import snapshot, viewer_for
from tests.core.table import Table
from tests.core.test_properties import play, steps


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


# -- ballots hold still for the whole vote (docs/protocol.md §9) ---------------------------------


def ballots(table: Table) -> dict[str, list[str]]:
    state = table.state
    return {pid: ballot_for(state, state.current_round, pid) for pid in state.people}


def snapshot_ballots(table: Table) -> dict[str, tuple[int, list[str]]]:
    state = table.state
    views = {pid: snapshot(state, viewer_for(state, Role.PARTICIPANT, pid)) for pid in state.people}
    return {pid: (v["round"]["slot"], v["round"]["ballot"]) for pid, v in views.items()}


def test_removing_a_teammate_mid_vote_leaves_every_other_voter_s_ballot_as_it_was():
    table = vote_open(teams=12, people=60)
    before, shown = ballots(table), snapshot_ballots(table)
    table.facilitate(c.RemoveParticipant("p000"))  # slot 0 of t1: p012 used to slide into it
    del before["p000"], shown["p000"]
    assert ballots(table) == before
    assert snapshot_ballots(table) == shown


def test_a_voter_whose_teammate_was_removed_may_still_rate_every_move_of_their_ballot():
    table = vote_open(teams=12, people=60)
    ballot = ballot_for(table.state, table.state.current_round, "p012")
    table.facilitate(c.RemoveParticipant("p000"))
    for team in ballot:
        table.vote("p012", team)
    assert {t for (v, t) in table.state.current_round.votes if v == "p012"} == set(ballot)


def test_a_ballot_shown_after_the_vote_stays_the_one_the_vote_had():
    table = vote_open(teams=12, people=60)
    shown = snapshot_ballots(table)
    table.advance()  # reveal: teams and settings may change again
    table.facilitate(c.Configure({"ballot_size": 2, "full_ballot_max_teams": 20}))
    table.facilitate(c.AssignTeam("p001", "t5"))
    table.facilitate(c.AddTeam("Owls"))
    assert snapshot_ballots(table) == shown


def test_someone_joining_mid_vote_gets_the_window_of_their_place_in_the_team():
    table = vote_open(teams=12, people=60)
    table.join("late")
    team = table.state.team_of("late")
    place = table.state.teams[team].members.index("late")
    ring = table.state.current_round.ballot_rings[team]
    start = place * 5 % len(ring)
    expected = [ring[(start + k) % len(ring)] for k in range(5)]
    assert ballot_for(table.state, table.state.current_round, "late") == expected


@settings(max_examples=80, deadline=None)
@given(
    teams=st.integers(3, 12),
    people=st.integers(3, 40),
    size=st.integers(1, 4),
    removals=st.lists(st.integers(0, 39), max_size=10),
    joins=st.integers(0, 3),
)
def test_any_removals_mid_vote_leave_every_remaining_voter_s_ballot_unchanged(
    teams, people, size, removals, joins
):
    table = vote_open(teams, people, {"ballot_size": size, "full_ballot_max_teams": 2})
    for k in range(joins):
        table.join(f"late{k}")
    before, shown = ballots(table), snapshot_ballots(table)
    for n in removals:
        pid = f"p{n:03}"
        if pid in table.state.people:
            table.facilitate(c.RemoveParticipant(pid, ban=n % 2 == 0))
            del before[pid], shown[pid]
            assert ballots(table) == before
            assert snapshot_ballots(table) == shown


def old_ballot(state, pid: str) -> list[str]:
    """The rule before ballots were fixed: from the voter's place in their team now."""
    team_id = state.team_of(pid)
    if team_id is None:
        return []
    ring = state.current_round.ballot_rings.get(team_id, [])
    s = state.settings
    if len(state.teams) <= s.full_ballot_max_teams or len(ring) <= s.ballot_size:
        return list(ring)
    start = state.teams[team_id].members.index(pid) * s.ballot_size % len(ring)
    return [ring[(start + k) % len(ring)] for k in range(s.ballot_size)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_a_log_without_removals_mid_vote_folds_to_the_ballots_it_had(script):
    """Logs recorded before ballots were fixed replay to the same ballots, votes and refusals:
    without a removal mid-vote, the fixed ballot is the one the old rule gave at every seq."""
    tweak = [(FACILITATOR, c.Configure({"full_ballot_max_teams": 1, "ballot_size": 1}), 0)]
    _, log, _ = play(tweak + script, teams=4)
    state = State()
    for event in log:
        voting = state.phase is Phase.VOTE
        if voting and event.type == "participant_removed":
            return  # the case the fix changes on purpose
        evolve(state, event)
        if state.phase is Phase.VOTE:
            for pid in state.people:
                assert ballot_for(state, state.current_round, pid) == old_ballot(state, pid)
