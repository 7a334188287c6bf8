"""``decide``: the rules. Given a state, a command, who asks and the server's ``now``, return the
events to record, or raise ``Refusal``. Never mutates the state."""

from __future__ import annotations

import re
from dataclasses import fields
from fractions import Fraction

from . import commands as c
from . import events as e
from .ballots import ballot_for, ballot_rings
from .events import Event
from .limits import (
    COMMITMENT_MAX,
    COMMITMENT_OPEN_SECONDS,
    COMMITMENT_SAVES_MAX,
    MAX_TEAMS,
    MOVE_MAX,
    NICKNAME_MAX,
    SCENARIO_FIELD_MAX,
    TEAM_NAME_MAX,
    TIMER_ADJUST_MAX,
    TITLE_MAX,
)
from .model import PHASE_ORDER, Actor, Answer, Phase, Role, Settings, State
from .names import team_names
from .refusals import ErrorCode, Refusal
from .scoring import score_round
from .shuffle import deal
from .text import name, name_keys, prose
from .wordfilter import has_blocked_word, word_list

SCENARIO_REQUIRED = ("title", "customer", "situation", "ask")
_SHARE = re.compile(r"\d{1,6}(\.\d{1,6})?|\d{1,6}/\d{1,6}")
SCENARIO_FIELDS = (*SCENARIO_REQUIRED, "debrief", "slug")


def decide(state: State, command: c.Command, actor: Actor, now: float) -> list[Event]:
    _authorise(state, command, actor)
    handler = _HANDLERS[type(command)]
    return handler(state, command, actor, now)


def role_refusal(command: c.Command, actor: Actor) -> ErrorCode | None:
    """Why ``actor``'s role may never send ``command``, whatever the state; None if it may. The
    shell asks this at the door, before a retry's receipt could answer for another command."""
    if actor.role is Role.SCREEN:  # the projector only watches
        return ErrorCode.FORBIDDEN
    if isinstance(command, c.FACILITATOR_COMMANDS) and actor.role is not Role.FACILITATOR:
        return ErrorCode.FORBIDDEN
    if isinstance(command, c.PARTICIPANT_COMMANDS) and actor.role is not Role.PARTICIPANT:
        return ErrorCode.PARTICIPANTS_ONLY
    if isinstance(command, c.SYSTEM_COMMANDS) and actor.role is not Role.SYSTEM:
        return ErrorCode.FORBIDDEN
    return None


def _authorise(state: State, command: c.Command, actor: Actor) -> None:
    if refused := role_refusal(command, actor):
        raise Refusal(refused)
    if isinstance(command, c.CreateWorkshop):
        if state.created:
            raise Refusal(ErrorCode.WORKSHOP_EXISTS)
        return
    if not state.created:
        raise Refusal(ErrorCode.WORKSHOP_NOT_STARTED)
    if state.ended and not isinstance(command, c.Commit):
        raise Refusal(ErrorCode.WORKSHOP_ENDED)
    joined = actor.participant_id in state.people
    if actor.role is Role.PARTICIPANT and not isinstance(command, c.Join) and not joined:
        raise Refusal(ErrorCode.NOT_JOINED)


# -- helpers -------------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    return " ".join(str(text).split())


def _valid_name(text: str, limit: int, code: ErrorCode, extra_words: str = "") -> str:
    name = clean_text(text)
    if not 1 <= len(name) <= limit:
        raise Refusal(code)
    if has_blocked_word(name, extra_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    return name


def _nickname(state: State, text: str, *, exclude: str | None = None) -> str:
    # Participant text: stored without invisible characters and in NFKC (game/core/text.py),
    # and taken if it merely looks like a name in use.
    nickname = name(text)
    if not 1 <= len(nickname) <= NICKNAME_MAX:
        raise Refusal(ErrorCode.NICKNAME_INVALID)
    if has_blocked_word(nickname, state.settings.blocked_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    for key in name_keys(nickname):
        holder = state.nicknames.get(key)
        if holder is not None and holder != exclude:
            raise Refusal(ErrorCode.NICKNAME_TAKEN)
    return nickname


def _team_name(state: State, text: str, *, exclude: str | None = None) -> str:
    name = _valid_name(
        text, TEAM_NAME_MAX, ErrorCode.TEAM_NAME_INVALID, state.settings.blocked_words
    )
    taken = {t.name.casefold() for tid, t in state.teams.items() if tid != exclude}
    if name.casefold() in taken:
        raise Refusal(ErrorCode.TEAM_NAME_TAKEN)
    return name


def next_team_id(state: State) -> str:
    return f"t{len(state.teams) + 1}"


def validate_settings(changes: dict) -> dict:
    """Return the changes as stored, or refuse: unknown keys, wrong types, out of range."""
    known = {f.name: f for f in fields(Settings)}
    defaults = Settings()
    out = {}
    for key, value in changes.items():
        if key not in known:
            raise Refusal(ErrorCode.SETTINGS_INVALID, f"There is no setting called {key!r}.")
        expected = type(getattr(defaults, key))
        if key == "blocked_words":
            if not isinstance(value, str) or len(value) > 2000:
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID,
                    "blocked_words must be text of at most 2000 characters.",
                )
            out[key] = ", ".join(word_list(value))
        elif expected is str:
            # Bounded digits before Fraction: "1e-10000000" would take it seconds to parse.
            if not isinstance(value, str | int | float) or not _SHARE.fullmatch(str(value)):
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID, f"{key} must be a number like 0.5 or 2/3."
                )
            try:
                number = Fraction(str(value))
            except (ValueError, ZeroDivisionError):
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID, f"{key} must be a number like 0.5 or 2/3."
                ) from None
            if not 0 <= number <= 1:
                raise Refusal(ErrorCode.SETTINGS_INVALID, f"{key} must be between 0 and 1.")
            out[key] = str(value)
        elif expected is bool:
            if not isinstance(value, bool):
                raise Refusal(ErrorCode.SETTINGS_INVALID, f"{key} must be true or false.")
            out[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3600:
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID, f"{key} must be a whole number from 0 to 3600."
                )
            if key == "ballot_size" and value < 1:
                raise Refusal(ErrorCode.SETTINGS_INVALID, "ballot_size must be at least 1.")
            out[key] = value
    return out


def _current(state: State):
    current = state.current_round
    if current is None:
        raise Refusal(ErrorCode.NO_ROUND)
    return current


def _phase_timer(settings: Settings, phase: Phase, now: float) -> float | None:
    seconds = {Phase.PITCH: settings.pitch_seconds, Phase.VOTE: settings.vote_seconds}.get(phase)
    return now + seconds if seconds else None


def _advance(state: State, now: float) -> list[Event]:
    current = _current(state)
    index = PHASE_ORDER.index(current.phase)
    if index == len(PHASE_ORDER) - 1:
        raise Refusal(ErrorCode.LAST_PHASE)
    phase = PHASE_ORDER[index + 1]
    deadline = _phase_timer(state.settings, phase, now)
    if phase is Phase.VOTE:
        # A move the facilitator hid during the pitch opens without its text.
        moves = {t: m.text for t, m in current.moves.items() if t not in current.hidden}
        rings = ballot_rings(state, set(current.moves))
        return [e.PhaseChanged(current.number, phase, deadline, moves, rings)]
    events: list[Event] = [e.PhaseChanged(current.number, phase, deadline)]
    if phase is Phase.REVEAL:
        events.append(e.RoundScored(current.number, score_round(state)))
    return events


# -- handlers ------------------------------------------------------------------------------------


def _create(state: State, cmd: c.CreateWorkshop, actor: Actor, now: float) -> list[Event]:
    title = _valid_name(cmd.title, TITLE_MAX, ErrorCode.SETTINGS_INVALID)
    if len(cmd.team_names) > MAX_TEAMS:
        raise Refusal(ErrorCode.TOO_MANY_TEAMS)
    names: list[str] = []
    for raw in cmd.team_names:
        name = _valid_name(raw, TEAM_NAME_MAX, ErrorCode.TEAM_NAME_INVALID)
        if name.casefold() in {n.casefold() for n in names}:
            raise Refusal(ErrorCode.TEAM_NAME_TAKEN)
        names.append(name)
    teams = [{"id": f"t{i + 1}", "name": n} for i, n in enumerate(names)]
    settings = validate_settings(cmd.settings)
    return [e.WorkshopCreated(title, teams, settings)]


def _join(state: State, cmd: c.Join, actor: Actor, now: float) -> list[Event]:
    pid = actor.participant_id
    if pid in state.banned:
        raise Refusal(ErrorCode.BANNED)
    if pid in state.people:
        raise Refusal(ErrorCode.ALREADY_JOINED)
    if state.joining_locked:
        raise Refusal(ErrorCode.JOINING_LOCKED)
    nickname = _nickname(state, cmd.nickname)
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


def _rename(state: State, cmd: c.Rename, actor: Actor, now: float) -> list[Event]:
    pid = actor.participant_id
    nickname = _nickname(state, cmd.nickname, exclude=pid)
    return [e.ParticipantRenamed(pid, nickname)]


def _add_team(state: State, cmd: c.AddTeam, actor: Actor, now: float) -> list[Event]:
    if len(state.teams) >= MAX_TEAMS:
        raise Refusal(ErrorCode.TOO_MANY_TEAMS)
    if state.phase in (Phase.PITCH, Phase.VOTE):
        raise Refusal(ErrorCode.TEAMS_LOCKED)
    name = _team_name(state, cmd.name)
    return [e.TeamAdded(next_team_id(state), name)]


def _rename_team(state: State, cmd: c.RenameTeam, actor: Actor, now: float) -> list[Event]:
    if cmd.team_id not in state.teams:
        raise Refusal(ErrorCode.TEAM_UNKNOWN)
    name = _team_name(state, cmd.name, exclude=cmd.team_id)
    return [e.TeamRenamed(cmd.team_id, name)]


def _assign(state: State, cmd: c.AssignTeam, actor: Actor, now: float) -> list[Event]:
    if cmd.participant_id not in state.people:
        raise Refusal(ErrorCode.PARTICIPANT_UNKNOWN)
    if cmd.team_id not in state.teams:
        raise Refusal(ErrorCode.TEAM_UNKNOWN)
    if state.phase in (Phase.PITCH, Phase.VOTE):
        raise Refusal(ErrorCode.TEAMS_LOCKED)
    return [e.ParticipantMoved(cmd.participant_id, cmd.team_id)]


def _shuffle(state: State, cmd: c.ShuffleTeams, actor: Actor, now: float) -> list[Event]:
    if state.phase in (Phase.PITCH, Phase.VOTE):
        raise Refusal(ErrorCode.TEAMS_LOCKED)
    if not state.teams:
        raise Refusal(ErrorCode.NO_TEAMS)
    # The deal goes into the event, so a replay reads it instead of dealing again.
    teams = deal(list(state.people), list(state.teams), cmd.seed)
    return [e.TeamsShuffled(cmd.seed, teams)]


def _remove(state: State, cmd: c.RemoveParticipant, actor: Actor, now: float) -> list[Event]:
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


def _rename_participant(
    state: State, cmd: c.RenameParticipant, actor: Actor, now: float
) -> list[Event]:
    if cmd.participant_id not in state.people:
        raise Refusal(ErrorCode.PARTICIPANT_UNKNOWN)
    nickname = _nickname(state, cmd.nickname, exclude=cmd.participant_id)
    return [e.ParticipantRenamed(cmd.participant_id, nickname)]


def _hide_move(state: State, cmd: c.HideMove, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if cmd.team_id not in current.moves:
        raise Refusal(ErrorCode.NO_SUCH_MOVE)
    opened = PHASE_ORDER.index(current.phase) >= PHASE_ORDER.index(Phase.VOTE)
    # Shown again once the vote opened: its text goes with it, since its opening withheld it.
    text = current.moves[cmd.team_id].text if opened and not cmd.hidden else None
    return [e.MoveHidden(current.number, cmd.team_id, bool(cmd.hidden), text)]


def _configure(state: State, cmd: c.Configure, actor: Actor, now: float) -> list[Event]:
    if state.phase is Phase.VOTE:
        raise Refusal(ErrorCode.WRONG_PHASE)  # ballots and weights hold still while people vote
    return [e.SettingsChanged(validate_settings(cmd.changes))]


def _lock(state: State, cmd: c.LockJoining, actor: Actor, now: float) -> list[Event]:
    return [e.JoiningLocked(bool(cmd.locked))]


def _start_round(state: State, cmd: c.StartRound, actor: Actor, now: float) -> list[Event]:
    if state.phase not in (None, Phase.LEADERBOARD):
        raise Refusal(ErrorCode.ROUND_IN_PROGRESS)
    scenario = {}
    for key in SCENARIO_FIELDS:
        value = clean_text(cmd.scenario.get(key) or "")
        if len(value) > SCENARIO_FIELD_MAX or (key in SCENARIO_REQUIRED and not value):
            raise Refusal(ErrorCode.SCENARIO_INVALID)
        scenario[key] = value
    number = len(state.rounds) + 1
    return [e.RoundStarted(number, scenario, Phase.BRIEF, None)]


def _advance_cmd(state: State, cmd: c.Advance, actor: Actor, now: float) -> list[Event]:
    return _advance(state, now)


def _pause(state: State, cmd: c.Pause, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.paused_remaining is not None:
        raise Refusal(ErrorCode.ALREADY_PAUSED)
    if current.deadline is None:
        raise Refusal(ErrorCode.NO_TIMER)
    remaining = max(0.0, current.deadline - now)
    return [e.TimerPaused(current.number, remaining)]


def _resume(state: State, cmd: c.Resume, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.paused_remaining is None:
        raise Refusal(ErrorCode.NOT_PAUSED)
    deadline = now + current.paused_remaining
    return [e.TimerResumed(current.number, deadline)]


def _adjust(state: State, cmd: c.AdjustTimer, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.phase is Phase.LEADERBOARD:
        raise Refusal(ErrorCode.LAST_PHASE)  # a deadline here would have nothing to close
    seconds = cmd.seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise Refusal(ErrorCode.TIMER_INVALID)
    if not -TIMER_ADJUST_MAX <= seconds <= TIMER_ADJUST_MAX:
        raise Refusal(ErrorCode.TIMER_INVALID)
    if current.paused_remaining is not None:
        return [e.TimerChanged(current.number, None, max(0.0, current.paused_remaining + seconds))]
    if current.deadline is not None:
        return [e.TimerChanged(current.number, max(now, current.deadline + seconds), None)]
    if seconds > 0:
        return [e.TimerChanged(current.number, now + seconds, None)]
    raise Refusal(ErrorCode.NO_TIMER)


def _close_due(state: State, cmd: c.CloseDuePhase, actor: Actor, now: float) -> list[Event]:
    current = state.current_round
    if current is None or current.deadline is None or now < current.deadline:
        raise Refusal(ErrorCode.NOT_DUE)
    return _advance(state, now)


def _end(state: State, cmd: c.EndWorkshop, actor: Actor, now: float) -> list[Event]:
    # The time opens the window for commitments: the core has no clock to read it from later.
    return [e.WorkshopEnded(now)]


def _commit(state: State, cmd: c.Commit, actor: Actor, now: float) -> list[Event]:
    if not state.ended:
        raise Refusal(ErrorCode.WORKSHOP_NOT_ENDED)
    # A log ended before commitments existed has no end time: its window never opened.
    if state.ended_at is None or now > state.ended_at + COMMITMENT_OPEN_SECONDS:
        raise Refusal(ErrorCode.COMMITMENTS_CLOSED)
    pid = actor.participant_id
    existing = state.commitments.get(pid)
    version = existing.version if existing else 0
    if version >= COMMITMENT_SAVES_MAX:
        raise Refusal(ErrorCode.COMMITMENTS_CLOSED)
    text = prose(cmd.text)
    if not text or len(text) > COMMITMENT_MAX:
        raise Refusal(ErrorCode.COMMITMENT_INVALID)
    # Private, but the facilitator reads it out or exports it: the room's word list still holds.
    if has_blocked_word(text, state.settings.blocked_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    return [e.CommitmentSaved(pid, text, version + 1)]


def _submit_move(state: State, cmd: c.SubmitMove, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.phase is not Phase.PITCH:
        raise Refusal(ErrorCode.WRONG_PHASE)
    team_id = state.team_of(actor.participant_id)
    if team_id is None:
        raise Refusal(ErrorCode.NO_TEAM)
    text = prose(cmd.text)
    if not text or len(text) > MOVE_MAX:
        raise Refusal(ErrorCode.MOVE_INVALID)
    if has_blocked_word(text, state.settings.blocked_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    existing = current.moves.get(team_id)
    version = existing.version if existing else 0
    if cmd.base_version != version:
        raise Refusal(ErrorCode.STALE_MOVE)
    return [e.MoveSaved(current.number, team_id, text, version + 1, actor.participant_id)]


def _cast_vote(state: State, cmd: c.CastVote, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.phase is not Phase.VOTE:
        raise Refusal(ErrorCode.WRONG_PHASE)
    if not isinstance(cmd.q1, Answer) or not isinstance(cmd.q2, Answer):
        raise Refusal(ErrorCode.VOTE_INVALID)
    voter = actor.participant_id
    own = state.team_of(voter)
    if own is None:
        raise Refusal(ErrorCode.NO_TEAM)
    if cmd.team_id == own:
        raise Refusal(ErrorCode.OWN_TEAM)
    if cmd.team_id not in current.moves:
        raise Refusal(ErrorCode.NO_SUCH_MOVE)
    if cmd.team_id not in ballot_for(state, current, voter):
        raise Refusal(ErrorCode.NOT_ON_BALLOT)
    already = (voter, cmd.team_id) in current.votes
    votes_in = len(current.votes) + (0 if already else 1)
    return [e.VoteCast(current.number, voter, cmd.team_id, cmd.q1, cmd.q2, votes_in)]


_HANDLERS = {
    c.CreateWorkshop: _create,
    c.Join: _join,
    c.Rename: _rename,
    c.AddTeam: _add_team,
    c.RenameTeam: _rename_team,
    c.AssignTeam: _assign,
    c.ShuffleTeams: _shuffle,
    c.RemoveParticipant: _remove,
    c.RenameParticipant: _rename_participant,
    c.HideMove: _hide_move,
    c.Configure: _configure,
    c.LockJoining: _lock,
    c.StartRound: _start_round,
    c.Advance: _advance_cmd,
    c.Pause: _pause,
    c.Resume: _resume,
    c.AdjustTimer: _adjust,
    c.CloseDuePhase: _close_due,
    c.EndWorkshop: _end,
    c.SubmitMove: _submit_move,
    c.CastVote: _cast_vote,
    c.Commit: _commit,
}
