"""The rules before and around the rounds: the workshop, its people, its teams, its settings."""

from __future__ import annotations

from . import commands as c
from . import events as e
from .checks import (
    checked_name,
    checked_nickname,
    checked_team_name,
    next_team_id,
    validate_settings,
)
from .events import Event
from .limits import (
    MAX_TEAMS,
    TEAM_NAME_MAX,
    TITLE_MAX,
)
from .model import Actor, Phase, State
from .names import team_names
from .refusals import ErrorCode, Refusal
from .shuffle import deal


def create(state: State, cmd: c.CreateWorkshop, actor: Actor, now: float) -> list[Event]:
    title = checked_name(cmd.title, TITLE_MAX, ErrorCode.SETTINGS_INVALID)
    if len(cmd.team_names) > MAX_TEAMS:
        raise Refusal(ErrorCode.TOO_MANY_TEAMS)
    names: list[str] = []
    for raw in cmd.team_names:
        name = checked_name(raw, TEAM_NAME_MAX, ErrorCode.TEAM_NAME_INVALID)
        if name.casefold() in {n.casefold() for n in names}:
            raise Refusal(ErrorCode.TEAM_NAME_TAKEN)
        names.append(name)
    teams = [{"id": f"t{i + 1}", "name": n} for i, n in enumerate(names)]
    settings = validate_settings(cmd.settings)
    return [e.WorkshopCreated(title, teams, settings)]


def join(state: State, cmd: c.Join, actor: Actor, now: float) -> list[Event]:
    pid = actor.participant_id
    if pid in state.banned:
        raise Refusal(ErrorCode.BANNED)
    if pid in state.people:
        raise Refusal(ErrorCode.ALREADY_JOINED)
    if state.joining_locked:
        raise Refusal(ErrorCode.JOINING_LOCKED)
    nickname = checked_nickname(state, cmd.nickname)
    events: list[Event] = []
    team = _smallest_team(state)
    if _needs_new_team(state, team):
        team = next_team_id(state)
        events.append(e.TeamAdded(team, _free_team_name(state)))
    return [*events, e.ParticipantJoined(pid, nickname, team)]


def _smallest_team(state: State) -> str | None:
    """The team with the fewest members; the one created first among equals."""
    order = list(state.teams)
    return min(order, key=lambda t: (len(state.teams[t].members), order.index(t)), default=None)


def _needs_new_team(state: State, smallest: str | None) -> bool:
    size = state.settings.team_size
    if not size:
        return False
    if smallest is not None and len(state.teams[smallest].members) < size:
        return False
    # Teams hold still while moves are written and rated (as for AddTeam), and the cap on teams
    # still holds: then the smallest team takes one more than its size rather than refusing.
    return state.phase not in (Phase.PITCH, Phase.VOTE) and len(state.teams) < MAX_TEAMS


def _free_team_name(state: State) -> str:
    taken = {t.name.casefold() for t in state.teams.values()}
    candidates = team_names(MAX_TEAMS + len(state.teams) + 1)
    return next(name for name in candidates if name.casefold() not in taken)


def rename(state: State, cmd: c.Rename, actor: Actor, now: float) -> list[Event]:
    pid = actor.participant_id
    nickname = checked_nickname(state, cmd.nickname, exclude=pid)
    return [e.ParticipantRenamed(pid, nickname)]


def add_team(state: State, cmd: c.AddTeam, actor: Actor, now: float) -> list[Event]:
    if len(state.teams) >= MAX_TEAMS:
        raise Refusal(ErrorCode.TOO_MANY_TEAMS)
    if state.phase in (Phase.PITCH, Phase.VOTE):
        raise Refusal(ErrorCode.TEAMS_LOCKED)
    name = checked_team_name(state, cmd.name)
    return [e.TeamAdded(next_team_id(state), name)]


def rename_team(state: State, cmd: c.RenameTeam, actor: Actor, now: float) -> list[Event]:
    if cmd.team_id not in state.teams:
        raise Refusal(ErrorCode.TEAM_UNKNOWN)
    name = checked_team_name(state, cmd.name, exclude=cmd.team_id)
    return [e.TeamRenamed(cmd.team_id, name)]


def assign(state: State, cmd: c.AssignTeam, actor: Actor, now: float) -> list[Event]:
    if cmd.participant_id not in state.people:
        raise Refusal(ErrorCode.PARTICIPANT_UNKNOWN)
    if cmd.team_id not in state.teams:
        raise Refusal(ErrorCode.TEAM_UNKNOWN)
    if state.phase in (Phase.PITCH, Phase.VOTE):
        raise Refusal(ErrorCode.TEAMS_LOCKED)
    return [e.ParticipantMoved(cmd.participant_id, cmd.team_id)]


def shuffle(state: State, cmd: c.ShuffleTeams, actor: Actor, now: float) -> list[Event]:
    if state.phase in (Phase.PITCH, Phase.VOTE):
        raise Refusal(ErrorCode.TEAMS_LOCKED)
    if not state.teams:
        raise Refusal(ErrorCode.NO_TEAMS)
    # The deal goes into the event, so a replay reads it instead of dealing again.
    teams = deal(list(state.people), list(state.teams), cmd.seed)
    return [e.TeamsShuffled(cmd.seed, teams)]


def remove(state: State, cmd: c.RemoveParticipant, actor: Actor, now: float) -> list[Event]:
    if cmd.participant_id not in state.people:
        raise Refusal(ErrorCode.PARTICIPANT_UNKNOWN)
    votes_in = None
    current = state.current_round
    if current is not None and current.results is None:
        # Their votes stop counting: the new count travels with the event, since no one else
        # can tell how many of the ratings were theirs.
        theirs = sum(1 for voter, _ in current.votes if voter == cmd.participant_id)
        if theirs:
            votes_in = len(current.votes) - theirs
    return [e.ParticipantRemoved(cmd.participant_id, bool(cmd.ban), votes_in)]


def rename_participant(
    state: State, cmd: c.RenameParticipant, actor: Actor, now: float
) -> list[Event]:
    if cmd.participant_id not in state.people:
        raise Refusal(ErrorCode.PARTICIPANT_UNKNOWN)
    nickname = checked_nickname(state, cmd.nickname, exclude=cmd.participant_id)
    return [e.ParticipantRenamed(cmd.participant_id, nickname)]


def configure(state: State, cmd: c.Configure, actor: Actor, now: float) -> list[Event]:
    if state.phase is Phase.VOTE:
        raise Refusal(ErrorCode.WRONG_PHASE)  # ballots and weights hold still while people vote
    return [e.SettingsChanged(validate_settings(cmd.changes))]


def lock(state: State, cmd: c.LockJoining, actor: Actor, now: float) -> list[Event]:
    return [e.JoiningLocked(bool(cmd.locked))]
