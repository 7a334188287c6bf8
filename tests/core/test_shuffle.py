"""Shuffling teams: a fair deal from a seed, recorded as its result, only while teams may change."""

from collections import Counter
from dataclasses import asdict

from hypothesis import given, settings
from hypothesis import strategies as st

from game.core import commands as c
from game.core.evolve import fold
from game.core.model import FACILITATOR, participant
from game.core.shuffle import deal
from tests.core.table import Table

CAST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"]

seeds = st.integers(0, 2**53)
people = st.lists(st.text("abcdef0123456789", min_size=4, max_size=16), unique=True, max_size=60)
team_counts = st.integers(1, 12)


def dealt(table: Table, seed: int) -> dict[str, list[str]]:
    table.facilitate(c.ShuffleTeams(seed))
    return {t.id: t.members for t in table.state.teams.values()}


@settings(max_examples=200, deadline=None)
@given(people, team_counts, seeds)
def test_everyone_lands_in_exactly_one_team_and_sizes_differ_by_at_most_one(names, n, seed):
    teams = [f"t{i + 1}" for i in range(n)]
    result = deal(names, teams, seed)
    assert list(result) == teams
    assert Counter(p for members in result.values() for p in members) == Counter(names)
    sizes = [len(members) for members in result.values()]
    assert max(sizes) - min(sizes) <= 1


@settings(max_examples=100, deadline=None)
@given(people, team_counts, seeds)
def test_the_same_seed_deals_the_same_teams_whatever_order_people_come_in(names, n, seed):
    teams = [f"t{i + 1}" for i in range(n)]
    assert deal(names, teams, seed) == deal(list(reversed(names)), teams, seed)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(CAST)), st.integers(1, 5), seeds, seeds)
def test_a_shuffled_room_replays_to_the_same_teams_from_its_log(joined, n, first, second):
    table = Table(teams=n)
    table.join(*CAST[:joined])
    if joined:
        table.facilitate(c.AssignTeam(CAST[0], "t1"))
    dealt(table, first)
    dealt(table, second)
    assert asdict(fold(table.log)) == asdict(table.state)
    for team in table.state.teams.values():
        assert all(table.state.people[p].team_id == team.id for p in team.members)


def test_the_event_records_the_deal_so_replay_never_deals_again():
    table = Table(teams=3)
    table.join(*CAST)
    [event] = table.facilitate(c.ShuffleTeams(42))
    assert event.type == "teams_shuffled"
    assert event.data["seed"] == 42
    assert event.data["teams"] == {t.id: t.members for t in table.state.teams.values()}


def test_different_seeds_deal_different_teams():
    deals = set()
    for seed in range(20):
        table = Table(teams=3)
        table.join(*CAST)
        deals.add(repr(dealt(table, seed)))
    assert len(deals) > 10


def test_people_not_yet_in_a_team_are_dealt_in_too():
    table = Table(teams=0)
    table.join("alice", "bob", "carol")
    table.facilitate(c.AddTeam("Owls"))
    table.facilitate(c.AddTeam("Larks"))
    assert all(p.team_id is None for p in table.state.people.values())
    teams = dealt(table, 7)
    assert sorted(len(m) for m in teams.values()) == [1, 2]
    assert all(p.team_id for p in table.state.people.values())


def test_more_teams_than_people_leaves_some_teams_empty():
    table = Table(teams=4)
    table.join("alice", "bob")
    assert sorted(len(m) for m in dealt(table, 3).values()) == [0, 0, 1, 1]


def test_shuffling_is_allowed_in_the_brief_and_after_the_vote_but_not_during_pitch_or_vote():
    table = Table(teams=2)
    table.join(*CAST)
    table.start_round()
    dealt(table, 1)  # brief
    table.advance()
    assert table.refusal(FACILITATOR, c.ShuffleTeams(2)) == "teams_locked"
    table.move("alice")
    table.advance()
    assert table.refusal(FACILITATOR, c.ShuffleTeams(2)) == "teams_locked"
    table.advance()
    dealt(table, 3)  # reveal
    table.advance()
    dealt(table, 4)  # leaderboard


def test_only_the_facilitator_may_shuffle():
    table = Table(teams=2)
    table.join("alice")
    assert table.refusal(participant("alice"), c.ShuffleTeams(1)) == "forbidden"


def test_a_room_without_teams_cannot_be_shuffled():
    table = Table(teams=0)
    table.join("alice")
    assert table.refusal(FACILITATOR, c.ShuffleTeams(1)) == "no_teams"
