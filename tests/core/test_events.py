"""Typed events: each kind loads from the JSON it is stored as and gives back the same JSON, so
the log, Redis, archives and the wire are what they were when events were plain dicts."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.core import commands as c
from game.core import events as e
from game.core.evolve import evolve
from game.core.model import FACILITATOR, SYSTEM, Answer, Phase, State, participant
from tests.core.table import Table
from tests.core.test_properties import actors, commands, play

ending = st.tuples(st.just(FACILITATOR), st.just(c.EndWorkshop()), st.just(0))
committing = st.tuples(
    st.sampled_from([f"p{i}" for i in range(6)]).map(participant),
    st.builds(c.Commit, st.sampled_from(["Ask first", "Listen more"])),
    st.sampled_from([0, 1]),
)
games = st.lists(
    st.one_of(st.tuples(actors, commands, st.sampled_from([0, 1, 30, 200])), ending, committing),
    max_size=80,
)


def every_kind() -> list[e.Event]:
    """A game that records every kind of event at least once."""
    table = Table(teams=2, settings={"vote_seconds": 60})
    table.join("alice", "bob", "carol")
    table.do(participant("alice"), c.Rename("Ali"))
    table.facilitate(c.AddTeam("Owls"))
    table.facilitate(c.RenameTeam("t3", "Larks"))
    table.facilitate(c.AssignTeam("carol", "t2"))
    table.facilitate(c.ShuffleTeams(7))
    table.facilitate(c.LockJoining(True))
    table.facilitate(c.Configure({"badge_bonus": 10, "blocked_words": "upsell"}))
    table.start_round()
    table.advance()
    for who in ("alice", "bob", "carol"):
        table.move(who)
    table.facilitate(c.HideMove(table.state.team_of("bob")))
    table.advance()
    table.facilitate(c.HideMove(table.state.team_of("bob"), hidden=False))
    table.facilitate(c.Pause())
    table.facilitate(c.Resume())
    table.facilitate(c.AdjustTimer(30))
    voter, other = "alice", next(t for t in table.state.teams if t != table.state.team_of("alice"))
    if other in table.state.current_round.moves:
        table.vote(voter, other, Answer.YES, Answer.UNSURE)
    table.facilitate(c.RemoveParticipant(voter, ban=True))
    table.advance()
    table.facilitate(c.EndWorkshop())
    table.do(participant("bob"), c.Commit("Ask before I offer."))
    return table.log


def test_a_played_game_records_every_kind_of_event():
    assert {type(event) for event in every_kind()} == set(e.KINDS.values())


def test_each_kind_is_stored_under_its_type_string():
    assert {kind.type for kind in e.KINDS.values()} == e.ALL_TYPES
    assert all(e.KINDS[kind.type] is kind for kind in e.KINDS.values())
    assert e.VoteCast.type == e.VOTE_CAST and e.PhaseChanged.type == e.PHASE_CHANGED


def stored(event: e.Event) -> str:
    return json.dumps(event.data)  # what the log and Redis hold


@pytest.mark.parametrize("event", every_kind(), ids=lambda event: event.type)
def test_every_kind_loads_from_its_stored_json_and_gives_back_the_same_bytes(event):
    loaded = e.load(event.type, json.loads(stored(event)))
    assert loaded == event
    assert stored(loaded) == stored(event)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(games)
def test_any_event_of_a_played_game_loads_back_to_itself_with_its_json_unchanged(script):
    _, log, _ = play(script)
    for event in log:
        loaded = e.load(event.type, json.loads(stored(event)))
        assert loaded == event
        assert stored(loaded) == stored(event)
        assert stored(e.load(event.type, event.data)) == stored(event)


def test_the_data_keeps_the_key_order_the_log_has_always_had():
    vote = e.VoteCast(1, "alice", "t2", Answer.YES, Answer.NO, 3)
    assert stored(vote) == (
        '{"round": 1, "voter": "alice", "team": "t2", "q1": "yes", "q2": "no", "votes_in": 3}'
    )
    opened = e.PhaseChanged(1, Phase.VOTE, 1060.0, {"t1": "Plan"}, {"t1": 0})
    assert list(opened.data) == ["round", "phase", "deadline", "moves", "ballot_rings"]
    assert list(e.PhaseChanged(1, Phase.REVEAL, None).data) == ["round", "phase", "deadline"]


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("workshop_ended", {}),  # before commitments existed
        ("participant_removed", {"participant": "alice", "banned": False}),  # before votes_in
    ],
)
def test_older_shapes_still_load_and_fold_as_they_were_stored(type_, data):
    event = e.load(type_, dict(data))
    assert event.data == data
    assert stored(event) == json.dumps(data)


def test_a_phase_or_an_answer_given_as_its_string_is_held_as_the_member():
    assert e.PhaseChanged(1, "vote", None).phase is Phase.VOTE
    assert e.load(e.VOTE_CAST, e.VoteCast(1, "a", "t1", "yes", "no", 1).data).q1 is Answer.YES


@pytest.mark.parametrize(
    ("type_", "data", "problem"),
    [
        ("vote_casted", {}, "there is no event type 'vote_casted'"),
        ("team_added", ["t1"], "team_added: data must be an object"),
        ("team_added", {"team": "t1"}, "team_added needs name"),
        ("team_added", {"team": "t1", "name": "A", "colour": "red"}, "has no field 'colour'"),
        ("joining_locked", {"locked": 1}, "joining_locked.locked must be true or false"),
        ("timer_paused", {"round": 1, "remaining": True}, "timer_paused.remaining must be a"),
        ("workshop_ended", {"at": None}, "workshop_ended.at must be a number"),
        (
            "round_started",
            {"round": 1, "scenario": {}, "phase": "later", "deadline": None},
            "round_started.phase",
        ),
    ],
)
def test_it_refuses_to_load_an_unknown_type_or_fields_not_its_own(type_, data, problem):
    with pytest.raises(ValueError, match=problem):
        e.load(type_, data)


def test_an_event_built_from_unchecked_json_is_checked_when_it_is_folded():
    state = Table(teams=1).state
    assert evolve(state, e.Event("team_added", {"team": "t2", "name": "Owls"})).teams["t2"]
    with pytest.raises(ValueError, match="team_added needs name"):
        evolve(state, e.Event("team_added", {"team": "t3"}))


def test_a_redacted_event_keeps_its_type_but_is_never_folded():
    hidden = e.VoteCastRedacted(1, 4)
    assert (hidden.type, hidden.data) == ("vote_cast", {"round": 1, "votes_in": 4})
    assert e.CommitmentSavedRedacted().data == {}
    with pytest.raises(ValueError, match="cannot be folded"):
        evolve(State(), hidden)


def test_the_system_closing_a_phase_records_the_same_kind_as_the_facilitator():
    table = Table(teams=2, settings={"pitch_seconds": 30})
    table.join("alice", "bob")
    table.start_round()
    table.advance()
    [closed] = table.tick(30)
    assert isinstance(closed, e.PhaseChanged) and closed.phase is Phase.VOTE
    assert table.refusal(SYSTEM, c.CloseDuePhase()) == "not_due"


def test_the_protocol_document_lists_every_type_and_names_its_class():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    section = doc[doc.index("### 7.1 Event types") : doc.index("### 7.2")]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M)) == e.ALL_TYPES
    for type_, kind in e.KINDS.items():
        assert kind.__name__ == type_.title().replace("_", "")
