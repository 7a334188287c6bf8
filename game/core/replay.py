"""Replay: the state at any seq of a recorded log, whichever way you got there.

Nothing is ever undone. Stepping back folds the log again from the nearest checkpoint at or
before the target, so the state at seq N is always the fold of the log's first N events: the
same state the live server had once it had applied event N.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Protocol

from . import events as e
from .events import Event
from .evolve import evolve
from .model import State
from .visibility import Viewer, redact

# Small enough that a step back folds at most this many events, large enough that a round of
# thousands of votes keeps only a few dozen copies of the state.
CHECKPOINT_EVERY = 64


class Entry(Protocol):
    """An event as recorded (game.store.Logged has this shape): its seq and the event."""

    seq: int
    event: Event


@dataclass(frozen=True)
class Recorded:
    seq: int
    event: Event


class ReplayGap(ValueError):
    """The log skips a seq: folding on would give a state the server never had."""


def fold_prefix(log: Iterable[Entry], upto: int, start: State | None = None) -> State:
    """A new state: ``start`` (or the empty state) with every event of ``log`` after its seq,
    up to and including ``upto``, folded in. ``start`` itself is left as it was."""
    state = deepcopy(start) if start is not None else State()
    for x in log:
        if x.seq > upto:
            break
        if x.seq <= state.seq:
            continue
        _apply(state, x)
    return state


def _apply(state: State, x: Entry) -> None:
    if x.seq != state.seq + 1:
        raise ReplayGap(f"the log jumps from seq {state.seq} to {x.seq}")
    evolve(state, x.event, x.seq)


class Replay:
    """Random access to the states of one recorded log (a round, or a whole workshop).

    ``start`` is the state just before the log's first event (the empty state for a log that
    begins at seq 1). Checkpoints are deep copies taken on the way, so no caller's mutation of
    a returned state can leak into a later answer."""

    def __init__(
        self, log: Sequence[Entry], start: State | None = None, every: int = CHECKPOINT_EVERY
    ) -> None:
        self.log = list(log)
        self.every = max(1, every)
        base = deepcopy(start) if start is not None else State()
        self.first = base.seq  # the seq of the state before any event of this log
        self.last = self.log[-1].seq if self.log else base.seq
        self._checkpoints: dict[int, State] = {base.seq: base}
        self._marks = [base.seq]  # checkpoint seqs, kept sorted

    def at(self, seq: int) -> State:
        """The state once the log is folded up to ``seq`` (clamped to the log's range)."""
        target = min(max(seq, self.first), self.last)
        nearest = self._marks[bisect_right(self._marks, target) - 1]
        state = deepcopy(self._checkpoints[nearest])
        for x in self.log[nearest - self.first : target - self.first]:
            _apply(state, x)
            if state.seq % self.every == 0 and state.seq not in self._checkpoints:
                self._checkpoints[state.seq] = deepcopy(state)
                self._marks.insert(bisect_right(self._marks, state.seq), state.seq)
        return state


class Cursor:
    """A replay's position, moved one event at a time as the page's controls move it.

    Forward applies the next event to the current state; back asks the replay for the state at
    the previous seq (a fold from a checkpoint): both land on the same state as ``Replay.at``."""

    def __init__(self, replay: Replay, seq: int | None = None) -> None:
        self.replay = replay
        self.state = replay.at(replay.first if seq is None else seq)

    @property
    def seq(self) -> int:
        return self.state.seq

    def forward(self) -> State:
        if self.seq < self.replay.last:
            _apply(self.state, self.replay.log[self.seq - self.replay.first])
        return self.state

    def back(self) -> State:
        self.state = self.replay.at(self.seq - 1)
        return self.state

    def seek(self, seq: int) -> State:
        self.state = self.replay.at(seq)
        return self.state


@dataclass(frozen=True)
class Segment:
    """A stretch of the log to replay: a round from its start to the next round's start (or the
    log's end), or the lobby before the first round (``round`` 0)."""

    round: int
    title: str
    first: int  # the seq of its first event
    last: int  # the seq of its last event


def segments(starts: Iterable[tuple[int, dict]], last_seq: int) -> list[Segment]:
    """The segments of a log whose rounds start at ``starts``: (seq, round_started data) pairs
    in seq order. Needs only those events, so a list of many workshops reads no votes."""
    starts = list(starts)
    found = []
    if last_seq >= 1 and (not starts or starts[0][0] > 1):
        found.append(Segment(0, "", 1, starts[0][0] - 1 if starts else last_seq))
    for i, (seq, data) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else last_seq
        started = e.load(e.ROUND_STARTED, data)
        assert isinstance(started, e.RoundStarted)
        found.append(Segment(started.round, started.scenario.get("title", ""), seq, end))
    return found


MARKS = {
    e.ROUND_STARTED: "phase",
    e.PHASE_CHANGED: "phase",
    e.ROUND_SCORED: "phase",
    e.WORKSHOP_ENDED: "phase",
    e.PARTICIPANT_JOINED: "join",
    e.MOVE_SAVED: "move",
    e.VOTE_CAST: "vote",
}


def mark_of(event: Event) -> str | None:
    """How the timeline marks ``event``: a phase change, a join, a move or a vote (or not)."""
    return MARKS.get(event.type)


def as_seen_by(log: Iterable[Entry], viewer: Viewer) -> list[Recorded]:
    """``log`` as ``viewer`` saw it live: the same seqs, each event redacted for them."""
    return [Recorded(x.seq, redact(x.event, viewer)) for x in log]
