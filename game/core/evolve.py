"""``evolve``: fold one recorded event into the state. Live state, replay and recovery all use it."""

from __future__ import annotations

from collections.abc import Iterable

from . import events as e
from .ballots import ballot_window
from .events import Event, checked
from .model import Commitment, Move, Person, Phase, Round, Settings, State, Team, Vote
from .text import name_keys


def evolve(state: State, event: Event, seq: int | None = None) -> State:
    """Apply ``event`` to ``state`` in place and return it (the fold owns its state)."""
    event = checked(event)
    apply = _APPLY.get(type(event))
    if apply is None:  # a redacted event: what a viewer saw, not what happened
        raise ValueError(f"{type(event).__name__} cannot be folded into the state")
    apply(state, event)
    state.seq = seq if seq is not None else state.seq + 1
    return state


def fold(events: Iterable[Event], state: State | None = None) -> State:
    state = state or State()
    for event in events:
        evolve(state, event)
    return state


def _created(s: State, d: e.WorkshopCreated) -> None:
    s.created = True
    s.title = d.title
    s.settings = Settings(**d.settings)
    for team in d.teams:
        s.teams[team["id"]] = Team(team["id"], team["name"])


def _settings(s: State, d: e.SettingsChanged) -> None:
    for key, value in d.settings.items():
        setattr(s.settings, key, value)


def _team_added(s: State, d: e.TeamAdded) -> None:
    s.teams[d.team] = Team(d.team, d.name)


def _team_renamed(s: State, d: e.TeamRenamed) -> None:
    s.teams[d.team].name = d.name


def _joined(s: State, d: e.ParticipantJoined) -> None:
    s.people[d.participant] = Person(d.participant, d.nickname, d.team, s.seq + 1)
    s.nicknames.update(dict.fromkeys(name_keys(d.nickname), d.participant))
    if d.team:
        s.teams[d.team].members.append(d.participant)
    if s.rounds and s.rounds[-1].phase is Phase.VOTE:
        current = s.rounds[-1]
        current.lineup[d.participant] = d.team  # joined mid-vote, and may vote
        if d.team:
            current.slots[d.participant] = len(s.teams[d.team].members) - 1


def _renamed(s: State, d: e.ParticipantRenamed) -> None:
    person = s.people[d.participant]
    _release_nickname(s, person)
    person.nickname = d.nickname
    s.nicknames.update(dict.fromkeys(name_keys(d.nickname), person.id))


def _release_nickname(s: State, person: Person) -> None:
    for key in name_keys(person.nickname):
        if s.nicknames.get(key) == person.id:
            del s.nicknames[key]


def _moved(s: State, d: e.ParticipantMoved) -> None:
    person = s.people[d.participant]
    if person.team_id == d.team:
        return
    if person.team_id:
        s.teams[person.team_id].members.remove(person.id)
    person.team_id = d.team
    s.teams[d.team].members.append(person.id)


def _shuffled(s: State, d: e.TeamsShuffled) -> None:
    for team_id, team in s.teams.items():
        team.members = list(d.teams.get(team_id, ()))
        for pid in team.members:
            s.people[pid].team_id = team_id


def _removed(s: State, d: e.ParticipantRemoved) -> None:
    person = s.people.pop(d.participant)
    _release_nickname(s, person)
    if person.team_id:
        s.teams[person.team_id].members.remove(person.id)
    if d.banned:
        s.banned.add(person.id)
    current = s.current_round
    if current is not None and current.results is None:
        for key in [k for k in current.votes if k[0] == person.id]:
            del current.votes[key]


def _locked(s: State, d: e.JoiningLocked) -> None:
    s.joining_locked = d.locked


def _round_started(s: State, d: e.RoundStarted) -> None:
    s.rounds.append(Round(d.round, d.scenario, d.phase, d.deadline))


def _phase_changed(s: State, d: e.PhaseChanged) -> None:
    current = s.rounds[-1]
    current.phase = d.phase
    current.deadline = d.deadline
    current.paused_remaining = None
    if d.ballot_rings is not None:
        current.ballot_rings = d.ballot_rings
    if current.phase is Phase.VOTE:
        current.lineup = {pid: person.team_id for pid, person in s.people.items()}
        current.slots = {pid: i for team in s.teams.values() for i, pid in enumerate(team.members)}
        current.window = ballot_window(s)


def _paused(s: State, d: e.TimerPaused) -> None:
    current = s.rounds[-1]
    current.paused_remaining = d.remaining
    current.deadline = None


def _resumed(s: State, d: e.TimerResumed) -> None:
    current = s.rounds[-1]
    current.paused_remaining = None
    current.deadline = d.deadline


def _timer_changed(s: State, d: e.TimerChanged) -> None:
    current = s.rounds[-1]
    current.deadline = d.deadline
    current.paused_remaining = d.remaining


def _move_saved(s: State, d: e.MoveSaved) -> None:
    s.rounds[-1].moves[d.team] = Move(d.team, d.text, d.version, d.author)


def _move_hidden(s: State, d: e.MoveHidden) -> None:
    hidden = s.rounds[-1].hidden
    if d.hidden:
        hidden.add(d.team)
    else:
        hidden.discard(d.team)


def _vote_cast(s: State, d: e.VoteCast) -> None:
    s.rounds[-1].votes[(d.voter, d.team)] = Vote(d.voter, d.team, d.q1, d.q2)


def _scored(s: State, d: e.RoundScored) -> None:
    s.rounds[-1].results = d.results
    for team_id, result in d.results.items():
        s.totals[team_id] = s.totals.get(team_id, 0) + result["total"]
        s.badges[team_id] = s.badges.get(team_id, 0) + int(result["upserve"])


def _ended(s: State, d: e.WorkshopEnded) -> None:
    s.ended = True
    s.ended_at = d.at  # None in logs from before commitments
    if s.rounds:
        s.rounds[-1].deadline = None
        s.rounds[-1].paused_remaining = None


def _committed(s: State, d: e.CommitmentSaved) -> None:
    s.commitments[d.participant] = Commitment(d.participant, d.text, d.version)


_APPLY = {
    e.WorkshopCreated: _created,
    e.SettingsChanged: _settings,
    e.TeamAdded: _team_added,
    e.TeamRenamed: _team_renamed,
    e.ParticipantJoined: _joined,
    e.ParticipantRenamed: _renamed,
    e.ParticipantMoved: _moved,
    e.TeamsShuffled: _shuffled,
    e.ParticipantRemoved: _removed,
    e.JoiningLocked: _locked,
    e.RoundStarted: _round_started,
    e.PhaseChanged: _phase_changed,
    e.TimerPaused: _paused,
    e.TimerResumed: _resumed,
    e.TimerChanged: _timer_changed,
    e.MoveSaved: _move_saved,
    e.MoveHidden: _move_hidden,
    e.VoteCast: _vote_cast,
    e.RoundScored: _scored,
    e.WorkshopEnded: _ended,
    e.CommitmentSaved: _committed,
}
