"""Every refusal the rules can give, each provoked once, with its code and sentence."""

import pytest

from game.core import commands as c
from game.core.decide import decide
from game.core.limits import COMMITMENT_SAVES_MAX
from game.core.model import FACILITATOR, SCREEN_ACTOR, SYSTEM, State, participant
from game.core.refusals import REFUSALS, Refusal
from tests.core.table import CARD, NO, YES, Table

ALICE, BOB, CAROL = participant("alice"), participant("bob"), participant("carol")


def lobby() -> Table:
    table = Table(teams=2)
    table.join("alice", "bob", "carol")  # t1: alice, carol; t2: bob
    return table


def pitching() -> Table:
    table = lobby()
    table.start_round()
    table.advance()
    return table


def voting(teams: int = 2, settings: dict | None = None) -> Table:
    table = Table(teams=teams, settings=settings)
    table.join("alice", "bob", "carol")
    table.start_round()
    table.advance()
    table.move("bob")
    table.advance()
    return table


def ballots_of_two() -> Table:
    table = Table(teams=10, settings={"ballot_size": 2, "full_ballot_max_teams": 8})
    people = [f"p{i}" for i in range(10)]
    table.join(*people)
    table.start_round()
    table.advance()
    for person in people:
        table.move(person)
    table.advance()
    return table


def ended() -> Table:
    table = lobby()
    table.facilitate(c.EndWorkshop())
    return table


def paused() -> Table:
    table = pitching()
    table.facilitate(c.Pause())
    return table


def moved(table: Table) -> Table:
    table.move("alice")
    table.move("carol")
    return table


def full_of_teams() -> Table:
    return Table(teams=50)


CASES = [
    ("forbidden", lobby, ALICE, c.Advance()),
    ("participants_only", lobby, FACILITATOR, c.Rename("Boss")),
    ("not_joined", lobby, participant("mallory"), c.Rename("Mallory")),
    ("participant_unknown", lobby, FACILITATOR, c.AssignTeam("mallory", "t1")),
    ("workshop_not_started", State, FACILITATOR, c.Advance()),
    ("workshop_exists", lobby, FACILITATOR, c.CreateWorkshop("Again", ("A",))),
    ("workshop_ended", ended, FACILITATOR, c.StartRound(CARD)),
    ("joining_locked", lambda: _locked(), participant("dave"), c.Join("Dave")),
    ("already_joined", lobby, ALICE, c.Join("Alice again")),
    ("nickname_invalid", lobby, participant("dave"), c.Join("   ")),
    ("nickname_taken", lobby, participant("dave"), c.Join("ALICE")),
    ("blocked_words", lobby, participant("dave"), c.Join("Sh1ttt Happens")),
    ("banned", lambda: _banned(), participant("alice"), c.Join("Alice Again")),
    ("team_unknown", lobby, FACILITATOR, c.AssignTeam("alice", "t9")),
    ("team_name_invalid", lobby, FACILITATOR, c.AddTeam("x" * 41)),
    ("team_name_taken", lobby, FACILITATOR, c.RenameTeam("t2", "team 1")),
    ("too_many_teams", full_of_teams, FACILITATOR, c.AddTeam("Fifty-one")),
    ("no_team", lambda: _teamless(), participant("dave"), c.SubmitMove("Idea", 0)),
    ("teams_locked", pitching, FACILITATOR, c.AssignTeam("alice", "t2")),
    ("no_teams", lambda: Table(teams=0), FACILITATOR, c.ShuffleTeams(1)),
    ("settings_invalid", lobby, FACILITATOR, c.Configure({"badge_share": "2"})),
    ("round_in_progress", pitching, FACILITATOR, c.StartRound(CARD)),
    ("scenario_invalid", lobby, FACILITATOR, c.StartRound({"title": "No customer"})),
    ("no_round", lobby, FACILITATOR, c.Advance()),
    ("last_phase", lambda: _at_leaderboard(), FACILITATOR, c.Advance()),
    ("wrong_phase", pitching, ALICE, c.CastVote("t2", YES, YES)),
    ("no_timer", lambda: _briefing(), FACILITATOR, c.Pause()),
    ("already_paused", paused, FACILITATOR, c.Pause()),
    ("not_paused", pitching, FACILITATOR, c.Resume()),
    ("timer_invalid", pitching, FACILITATOR, c.AdjustTimer(3601)),
    ("not_due", pitching, SYSTEM, c.CloseDuePhase()),
    ("move_invalid", pitching, ALICE, c.SubmitMove("x" * 601, 0)),
    ("stale_move", lambda: moved(pitching()), ALICE, c.SubmitMove("Late", 1)),
    ("vote_invalid", voting, ALICE, c.CastVote("t2", "maybe", YES)),
    ("own_team", voting, BOB, c.CastVote("t2", YES, NO)),
    ("no_such_move", voting, BOB, c.CastVote("t1", YES, NO)),
    ("not_on_ballot", ballots_of_two, participant("p0"), c.CastVote("t9", YES, YES)),
    ("workshop_not_ended", lobby, ALICE, c.Commit("Listen first.")),
    ("commitment_invalid", ended, ALICE, c.Commit("   ")),
    ("commitments_closed", lambda: _committed_often(), ALICE, c.Commit("Once more.")),
]


def _committed_often() -> Table:
    table = ended()
    for i in range(COMMITMENT_SAVES_MAX):
        table.do(ALICE, c.Commit(f"Version {i}"))
    return table


def _banned() -> Table:
    table = lobby()
    table.facilitate(c.RemoveParticipant("alice", ban=True))
    return table


def _locked() -> Table:
    table = lobby()
    table.facilitate(c.LockJoining(True))
    return table


def _teamless() -> Table:
    table = Table(teams=0)
    table.join("dave")
    table.start_round()
    table.advance()
    return table


def _at_leaderboard() -> Table:
    table = lobby()
    table.start_round()
    table.to_phase("leaderboard")
    return table


def _briefing() -> Table:
    table = lobby()
    table.start_round()
    return table


@pytest.mark.parametrize(("code", "setup", "actor", "command"), CASES, ids=[c[0] for c in CASES])
def test_it_refuses_with_a_stable_code_and_a_sentence(code, setup, actor, command):
    made = setup()
    state = made if isinstance(made, State) else made.state
    with pytest.raises(Refusal) as refused:
        decide(state, command, actor, 1000.0)
    assert refused.value.code == code
    assert refused.value.message.endswith(".")


def test_every_refusal_code_is_provoked_by_a_case_above():
    assert {case[0] for case in CASES} == set(REFUSALS)


def test_the_screen_cannot_send_commands():
    table = lobby()
    assert table.refusal(SCREEN_ACTOR, c.Advance()) == "forbidden"
    # The projector only watches: even a participant's command is forbidden, not "participants
    # only", as the protocol promises the screen.
    assert table.refusal(SCREEN_ACTOR, c.CastVote("t2", YES, YES)) == "forbidden"
