"""The rules of a round: its phases and timer, the moves, the votes, the commitments at the end."""

from __future__ import annotations

from . import commands as c
from . import events as e
from .ballots import ballot_for, ballot_rings
from .checks import checked_prose, clean_text
from .events import Event
from .limits import (
    COMMITMENT_MAX,
    COMMITMENT_OPEN_SECONDS,
    COMMITMENT_SAVES_MAX,
    MOVE_MAX,
    SCENARIO_FIELD_MAX,
    TIMER_ADJUST_MAX,
)
from .model import PHASE_ORDER, Actor, Answer, Phase, Settings, State
from .refusals import ErrorCode, Refusal
from .scoring import score_round

SCENARIO_REQUIRED = ("title", "customer", "situation", "ask")
SCENARIO_FIELDS = (*SCENARIO_REQUIRED, "debrief", "slug")


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


def hide_move(state: State, cmd: c.HideMove, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if cmd.team_id not in current.moves:
        raise Refusal(ErrorCode.NO_SUCH_MOVE)
    opened = PHASE_ORDER.index(current.phase) >= PHASE_ORDER.index(Phase.VOTE)
    # Shown again once the vote opened: its text goes with it, since its opening withheld it.
    text = current.moves[cmd.team_id].text if opened and not cmd.hidden else None
    return [e.MoveHidden(current.number, cmd.team_id, bool(cmd.hidden), text)]


def start_round(state: State, cmd: c.StartRound, actor: Actor, now: float) -> list[Event]:
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


def advance_command(state: State, cmd: c.Advance, actor: Actor, now: float) -> list[Event]:
    return _advance(state, now)


def pause(state: State, cmd: c.Pause, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.paused_remaining is not None:
        raise Refusal(ErrorCode.ALREADY_PAUSED)
    if current.deadline is None:
        raise Refusal(ErrorCode.NO_TIMER)
    remaining = max(0.0, current.deadline - now)
    return [e.TimerPaused(current.number, remaining)]


def resume(state: State, cmd: c.Resume, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.paused_remaining is None:
        raise Refusal(ErrorCode.NOT_PAUSED)
    deadline = now + current.paused_remaining
    return [e.TimerResumed(current.number, deadline)]


def adjust(state: State, cmd: c.AdjustTimer, actor: Actor, now: float) -> list[Event]:
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


def close_due(state: State, cmd: c.CloseDuePhase, actor: Actor, now: float) -> list[Event]:
    current = state.current_round
    if current is None or current.deadline is None or now < current.deadline:
        raise Refusal(ErrorCode.NOT_DUE)
    return _advance(state, now)


def end(state: State, cmd: c.EndWorkshop, actor: Actor, now: float) -> list[Event]:
    # The time opens the window for commitments: the core has no clock to read it from later.
    return [e.WorkshopEnded(now)]


def commit(state: State, cmd: c.Commit, actor: Actor, now: float) -> list[Event]:
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
    # Private, but the facilitator reads it out or exports it: the room's word list still holds.
    text = checked_prose(state, cmd.text, COMMITMENT_MAX, ErrorCode.COMMITMENT_INVALID)
    return [e.CommitmentSaved(pid, text, version + 1)]


def submit_move(state: State, cmd: c.SubmitMove, actor: Actor, now: float) -> list[Event]:
    current = _current(state)
    if current.phase is not Phase.PITCH:
        raise Refusal(ErrorCode.WRONG_PHASE)
    team_id = state.team_of(actor.participant_id)
    if team_id is None:
        raise Refusal(ErrorCode.NO_TEAM)
    text = checked_prose(state, cmd.text, MOVE_MAX, ErrorCode.MOVE_INVALID)
    existing = current.moves.get(team_id)
    version = existing.version if existing else 0
    if cmd.base_version != version:
        raise Refusal(ErrorCode.STALE_MOVE)
    return [e.MoveSaved(current.number, team_id, text, version + 1, actor.participant_id)]


def cast_vote(state: State, cmd: c.CastVote, actor: Actor, now: float) -> list[Event]:
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
