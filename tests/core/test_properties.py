"""Property tests: random games, played by random actors, never break the rules' invariants."""

from dataclasses import asdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.core import commands as c
from game.core.decide import decide
from game.core.evolve import evolve, fold
from game.core.model import (
    FACILITATOR,
    SCREEN_ACTOR,
    SYSTEM,
    Answer,
    Phase,
    Role,
    Settings,
    State,
    Vote,
    participant,
)
from game.core.refusals import Refusal
from game.core.scoring import score_move
from game.core.text import name_keys
from game.core.visibility import Viewer, snapshot
from tests.core.table import CARD

PEOPLE = [f"p{i}" for i in range(6)]
TEAMS = ["t1", "t2", "t3", "t4"]
answers = st.sampled_from(list(Answer))
# Names that look like one another: Cyrillic o, a zero-width space, a bidi override, capital I.
LOOK_ALIKES = ["Tok0", "TOKO", "T\u043ek0", "Tok0\u200b", "\u202eAnn", "BiII", "Bill"]

actors = st.one_of(
    st.just(FACILITATOR),
    st.just(SYSTEM),
    st.just(SCREEN_ACTOR),
    st.sampled_from(PEOPLE).map(participant),
)
commands = st.one_of(
    st.builds(c.Join, st.sampled_from(["Ann", "Ben", "ann", "Cy", "Di", " ", *LOOK_ALIKES])),
    st.builds(c.Rename, st.sampled_from(["Ann", "Eve", "Fay", *LOOK_ALIKES])),
    st.just(c.StartRound(CARD)),
    st.just(c.Advance()),
    st.just(c.Advance()),
    st.just(c.Pause()),
    st.just(c.Resume()),
    st.builds(c.AdjustTimer, st.integers(-200, 200)),
    st.just(c.CloseDuePhase()),
    st.builds(c.SubmitMove, st.sampled_from(["Offer", "Listen", ""]), st.integers(0, 3)),
    st.builds(c.CastVote, st.sampled_from(TEAMS), answers, answers),
    st.builds(c.CastVote, st.sampled_from(TEAMS), answers, answers),
    st.builds(c.AssignTeam, st.sampled_from(PEOPLE), st.sampled_from(TEAMS)),
    st.builds(c.ShuffleTeams, st.integers(0, 2**53)),
    st.builds(c.LockJoining, st.booleans()),
    st.builds(c.RemoveParticipant, st.sampled_from(PEOPLE), st.booleans()),
    st.builds(c.RenameParticipant, st.sampled_from(PEOPLE), st.sampled_from(["Gus", "ann"])),
    st.builds(c.HideMove, st.sampled_from(TEAMS), st.booleans()),
    st.builds(
        c.Configure, st.fixed_dictionaries({"unsure_value": st.sampled_from(["0.5", "0.25", "1"])})
    ),
)
steps = st.lists(st.tuples(actors, commands, st.sampled_from([0, 0, 1, 30, 200])), max_size=80)

PHASE_OF = {c.SubmitMove: Phase.PITCH, c.CastVote: Phase.VOTE}
ROLE_OF = {
    **{k: Role.FACILITATOR for k in c.FACILITATOR_COMMANDS},
    **{k: Role.PARTICIPANT for k in c.PARTICIPANT_COMMANDS},
    **{k: Role.SYSTEM for k in c.SYSTEM_COMMANDS},
}


def play(script, teams: int = 3):
    """Run the script. Returns the state, the log, and (phase, actor's team, actor, command)
    for every command the rules accepted."""
    state, log, accepted = State(), [], []
    now = 1000.0
    opening = c.CreateWorkshop("W", tuple(f"T{i}" for i in range(teams)))
    for actor, command, wait in [(FACILITATOR, opening, 0), *script]:
        now += wait
        try:
            events = decide(state, command, actor, now)
        except Refusal:
            continue
        accepted.append((state.phase, state.team_of(actor.participant_id or ""), actor, command))
        for event in events:
            evolve(state, event)
        log.extend(events)
    return state, log, accepted


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(steps)
def test_folding_the_log_from_the_start_equals_the_live_state(script):
    state, log, _ = play(script)
    assert asdict(fold(log)) == asdict(state)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_nicknames_stay_unique_whatever_the_case_and_the_index_knows_whose_each_is(script):
    state, _, _ = play(script)
    keys = [key for person in state.people.values() for key in name_keys(person.nickname)]
    assert len(keys) == len(set(keys))
    assert state.nicknames == {
        key: pid for pid, p in state.people.items() for key in name_keys(p.nickname)
    }


@settings(max_examples=300, deadline=None)
@given(steps)
def test_no_command_is_accepted_in_the_wrong_phase_or_from_the_wrong_role(script):
    _, _, accepted = play(script)
    for phase, team, actor, command in accepted:
        assert actor.role is ROLE_OF[type(command)]
        if type(command) in PHASE_OF:
            assert phase is PHASE_OF[type(command)]
        if isinstance(command, c.CastVote):
            assert command.team_id != team


@settings(max_examples=300, deadline=None)
@given(steps)
def test_scores_always_equal_a_recomputation_from_the_votes(script):
    state, log, _ = play(script)
    settings_now = Settings()
    counted: dict[tuple[str, str], Vote] = {}
    for event in log:
        if event.type in ("workshop_created", "settings_changed"):
            for key, value in event.data["settings"].items():
                setattr(settings_now, key, value)
        if event.type == "round_started":
            counted = {}
        if event.type == "vote_cast":
            d = event.data
            counted[(d["voter"], d["team"])] = Vote(
                d["voter"], d["team"], Answer(d["q1"]), Answer(d["q2"])
            )
        if event.type == "participant_removed":
            counted = {k: v for k, v in counted.items() if k[0] != event.data["participant"]}
        if event.type == "round_scored":
            for team, result in event.data["results"].items():
                mine = [v for v in counted.values() if v.team_id == team]
                expected = score_move(mine, settings_now, has_move=result["has_move"])
                assert result == expected
    running = {}
    for r in state.rounds:
        for team, result in (r.results or {}).items():
            running[team] = running.get(team, 0) + result["total"]
    assert {t: v for t, v in state.totals.items()} == running


@settings(max_examples=300, deadline=None)
@given(steps)
def test_no_voter_is_ever_counted_twice_on_one_move(script):
    state, log, _ = play(script)
    cast: list[set] = []
    scored: list[bool] = []
    for event in log:
        if event.type == "round_started":
            cast.append(set())
            scored.append(False)
        if event.type == "vote_cast":
            cast[-1].add((event.data["voter"], event.data["team"]))
            assert event.data["votes_in"] == len(cast[-1])
        if event.type == "participant_removed" and cast and not scored[len(cast) - 1]:
            cast[-1] = {pair for pair in cast[-1] if pair[0] != event.data["participant"]}
        if event.type == "round_scored":
            scored[-1] = True
    for r, pairs in zip(state.rounds, cast, strict=True):
        assert set(r.votes) == pairs
        assert all(
            v.voter_id == voter and v.team_id == team for (voter, team), v in r.votes.items()
        )


@settings(max_examples=200, deadline=None)
@given(steps)
def test_no_one_sees_another_persons_ballot_or_results_before_the_reveal(script):
    state, _, _ = play(script)
    current = state.current_round
    for pid in state.people:
        view = snapshot(state, Viewer(Role.PARTICIPANT, pid, state.team_of(pid)))
        if view["round"]:
            mine = {t for (voter, t) in current.votes if voter == pid}
            assert set(view["round"]["my_votes"]) == mine
            if current.phase in (Phase.BRIEF, Phase.PITCH, Phase.VOTE):
                assert view["round"]["results"] is None
