"""``decide``: the rules. Given a state, a command, who asks and the server's ``now``, return the
events to record, or raise ``Refusal``. Never mutates the state."""

from __future__ import annotations

from . import commands as c
from . import lobby, rounds
from .events import Event
from .model import Actor, Role, State
from .refusals import ErrorCode, Refusal


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


_HANDLERS = {
    c.CreateWorkshop: lobby.create,
    c.Join: lobby.join,
    c.Rename: lobby.rename,
    c.AddTeam: lobby.add_team,
    c.RenameTeam: lobby.rename_team,
    c.AssignTeam: lobby.assign,
    c.ShuffleTeams: lobby.shuffle,
    c.RemoveParticipant: lobby.remove,
    c.RenameParticipant: lobby.rename_participant,
    c.HideMove: rounds.hide_move,
    c.Configure: lobby.configure,
    c.LockJoining: lobby.lock,
    c.StartRound: rounds.start_round,
    c.Advance: rounds.advance_command,
    c.Pause: rounds.pause,
    c.Resume: rounds.resume,
    c.AdjustTimer: rounds.adjust,
    c.CloseDuePhase: rounds.close_due,
    c.EndWorkshop: rounds.end,
    c.SubmitMove: rounds.submit_move,
    c.CastVote: rounds.cast_vote,
    c.Commit: rounds.commit,
}
