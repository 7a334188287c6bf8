"""Checking an archived log against the rules before it enters the database.

An archive is a file anyone can edit, and the fold trusts its log blindly (``evolve`` never
refuses). So each recorded event is traced back to the command that would have produced it, the
game core decides that command on the state so far, and the event must be exactly what the rules
produce: a vote cast before the vote opened, a forged score or a nickname someone else holds is
caught here, with the seq that is wrong. Only the clock is taken on trust: deadlines and
remaining times depend on when a command was decided, which the log records as it was.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from game.core import commands as c
from game.core import events as e
from game.core.decide import decide
from game.core.events import Event
from game.core.evolve import evolve
from game.core.model import FACILITATOR, Actor, Answer, State, participant
from game.core.refusals import Refusal

TIME_FIELDS = {
    e.PHASE_CHANGED: ("deadline",),
    e.TIMER_PAUSED: ("remaining",),
    e.TIMER_RESUMED: ("deadline",),
    e.TIMER_CHANGED: ("deadline", "remaining"),
    e.WORKSHOP_ENDED: ("at",),
}


class LogRejected(ValueError):
    """The log breaks the rules at ``seq``."""

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(f"event #{seq}: {message}")
        self.seq = seq


Candidate = tuple[Actor, c.Command]


def check_log(events: list[tuple[int, Event, float]]) -> State:
    """Replay ``events`` (seq, event, recorded_at) through the rules; return the folded state,
    or raise ``LogRejected`` naming the first event that the rules would not have produced."""
    state = State()
    i = 0
    while i < len(events):
        seq, event, at = events[i]
        try:
            produced, refusal = _traced(state, events, i, at)
        except (KeyError, TypeError, ValueError, AttributeError) as problem:
            raise LogRejected(seq, f"{event.type} has malformed data ({problem!r})") from None
        if produced is None:
            if refusal is not None:
                reason = f"the rules refuse it ({refusal.code}: {refusal.message})"
                raise LogRejected(seq, f"{event.type} would not have been accepted: {reason}")
            raise LogRejected(seq, f"{event.type} is not what the rules produce at this point")
        for offset, recorded_event in enumerate(produced):
            evolve(state, recorded_event, events[i + offset][0])
        i += len(produced)
    return state


def _traced(state: State, events: list, i: int, at: float) -> tuple[list | None, Refusal | None]:
    """The recorded events that a command decided on ``state`` reproduces, or the refusal."""
    candidates = _commands(state, events, i)
    refusal = None
    for actor, command in candidates:
        try:
            decided = decide(state, command, actor, at)
        except Refusal as refused:
            refusal = refusal or refused
            continue
        recorded = [x[1] for x in events[i : i + len(decided)]]
        if len(recorded) == len(decided) and all(map(_same, decided, recorded)):
            return recorded, None
    return None, refusal


def _same(decided: Event, recorded: Event) -> bool:
    if decided.type != recorded.type:
        return False
    expected = json.loads(json.dumps(decided.data))
    if decided.type == e.PARTICIPANT_REMOVED and "votes_in" not in recorded.data:
        expected.pop("votes_in", None)  # recorded before a removal carried the new count
    for key in TIME_FIELDS.get(decided.type, ()):
        if key not in expected or key not in recorded.data:
            return False
        ours, theirs = expected[key], recorded.data[key]
        if (ours is None) != (theirs is None):
            return False
        if theirs is not None:
            if isinstance(theirs, bool) or not isinstance(theirs, int | float):
                return False
            if not math.isfinite(theirs):
                return False
        expected[key] = theirs
    return expected == recorded.data


def _commands(state: State, events: list, i: int) -> list[Candidate]:
    """The commands that could have produced ``events[i]`` (and the events recorded with it)."""
    event = events[i][1]
    if event.type == e.TEAM_ADDED:
        return _team_added(events, i)
    make = _MAKERS.get(event.type)
    return make(state, event.data) if make else []


def _team_added(events: list, i: int) -> list[Candidate]:
    # With a team size set, a newcomer who finds every team full opens a team and joins it.
    d = events[i][1].data
    candidates: list[Candidate] = []
    following = events[i + 1][1] if i + 1 < len(events) else None
    if following and following.type == e.PARTICIPANT_JOINED:
        joined = following.data
        if joined.get("team") == d["team"]:
            candidates.append((participant(str(joined["participant"])), c.Join(joined["nickname"])))
    candidates.append((FACILITATOR, c.AddTeam(d["name"])))
    return candidates


def _adjust_seconds(state: State, d: dict) -> int:
    """The +/- seconds a recorded timer change came from (the sign and size are what the
    rules check; the resulting times are taken as recorded)."""
    current = state.current_round
    if current is None:
        return 1
    if current.paused_remaining is not None and d["remaining"] is not None:
        delta = d["remaining"] - current.paused_remaining
    elif current.deadline is not None and d["deadline"] is not None:
        delta = d["deadline"] - current.deadline
    else:
        delta = 1
    return int(math.copysign(max(1, min(abs(round(delta)), 3600)), delta))


def _one(actor: Actor, command: c.Command) -> list[Candidate]:
    return [(actor, command)]


_MAKERS: dict[str, Callable[[State, dict], list[Candidate]]] = {
    e.WORKSHOP_CREATED: lambda s, d: _one(
        FACILITATOR,
        c.CreateWorkshop(d["title"], tuple(t["name"] for t in d["teams"]), dict(d["settings"])),
    ),
    e.SETTINGS_CHANGED: lambda s, d: _one(FACILITATOR, c.Configure(dict(d["settings"]))),
    e.TEAM_RENAMED: lambda s, d: _one(FACILITATOR, c.RenameTeam(d["team"], d["name"])),
    e.PARTICIPANT_JOINED: lambda s, d: _one(
        participant(str(d["participant"])), c.Join(d["nickname"])
    ),
    e.PARTICIPANT_RENAMED: lambda s, d: _one(
        FACILITATOR, c.RenameParticipant(d["participant"], d["nickname"])
    ),
    e.PARTICIPANT_MOVED: lambda s, d: _one(FACILITATOR, c.AssignTeam(d["participant"], d["team"])),
    e.TEAMS_SHUFFLED: lambda s, d: _one(FACILITATOR, c.ShuffleTeams(int(d["seed"]))),
    e.PARTICIPANT_REMOVED: lambda s, d: _one(
        FACILITATOR, c.RemoveParticipant(d["participant"], d["banned"])
    ),
    e.JOINING_LOCKED: lambda s, d: _one(FACILITATOR, c.LockJoining(d["locked"])),
    e.ROUND_STARTED: lambda s, d: _one(FACILITATOR, c.StartRound(dict(d["scenario"]))),
    e.PHASE_CHANGED: lambda s, d: _one(FACILITATOR, c.Advance()),
    e.TIMER_PAUSED: lambda s, d: _one(FACILITATOR, c.Pause()),
    e.TIMER_RESUMED: lambda s, d: _one(FACILITATOR, c.Resume()),
    e.TIMER_CHANGED: lambda s, d: _one(FACILITATOR, c.AdjustTimer(_adjust_seconds(s, d))),
    e.MOVE_SAVED: lambda s, d: _one(
        participant(str(d["author"])), c.SubmitMove(d["text"], int(d["version"]) - 1)
    ),
    e.MOVE_HIDDEN: lambda s, d: _one(FACILITATOR, c.HideMove(d["team"], d["hidden"])),
    e.VOTE_CAST: lambda s, d: _one(
        participant(str(d["voter"])), c.CastVote(d["team"], Answer(d["q1"]), Answer(d["q2"]))
    ),
    e.WORKSHOP_ENDED: lambda s, d: _one(FACILITATOR, c.EndWorkshop()),
    e.COMMITMENT_SAVED: lambda s, d: _one(participant(str(d["participant"])), c.Commit(d["text"])),
    # ROUND_SCORED has no command of its own: it comes with the phase change to reveal.
}
