"""Facts the game records: one frozen dataclass per kind of event.

Each kind's ``type`` is the name the log, Redis, archives and the wire store it under, and its
``data`` is exactly the JSON stored for it (the same keys, in the same order), so typing the
events changed nothing outside the process. ``load(type, data)`` builds an event from stored
JSON and checks its fields. A field declared with ``absent()`` is left out of ``data`` when it is
None: older logs lack it, or the event carries it only sometimes.
"""

from __future__ import annotations

from .eventshape import KINDS, Event, absent, kind
from .eventshape import Unchecked as Unchecked  # the names callers use as events.X
from .eventshape import checked as checked
from .eventshape import load as load
from .model import Answer, Phase

WORKSHOP_CREATED = "workshop_created"
SETTINGS_CHANGED = "settings_changed"
TEAM_ADDED = "team_added"
TEAM_RENAMED = "team_renamed"
PARTICIPANT_JOINED = "participant_joined"
PARTICIPANT_RENAMED = "participant_renamed"
PARTICIPANT_MOVED = "participant_moved"
TEAMS_SHUFFLED = "teams_shuffled"
PARTICIPANT_REMOVED = "participant_removed"
JOINING_LOCKED = "joining_locked"
ROUND_STARTED = "round_started"
PHASE_CHANGED = "phase_changed"
TIMER_PAUSED = "timer_paused"
TIMER_RESUMED = "timer_resumed"
TIMER_CHANGED = "timer_changed"
MOVE_SAVED = "move_saved"
MOVE_HIDDEN = "move_hidden"
VOTE_CAST = "vote_cast"
ROUND_SCORED = "round_scored"
WORKSHOP_ENDED = "workshop_ended"
COMMITMENT_SAVED = "commitment_saved"


@kind(WORKSHOP_CREATED)
class WorkshopCreated(Event):
    title: str
    teams: list  # [{"id", "name"}]
    settings: dict  # only the non-default settings


@kind(SETTINGS_CHANGED)
class SettingsChanged(Event):
    settings: dict  # the changed settings only


@kind(TEAM_ADDED)
class TeamAdded(Event):
    team: str
    name: str


@kind(TEAM_RENAMED)
class TeamRenamed(Event):
    team: str
    name: str


@kind(PARTICIPANT_JOINED)
class ParticipantJoined(Event):
    participant: str
    nickname: str
    team: str | None  # None in a workshop without teams


@kind(PARTICIPANT_RENAMED)
class ParticipantRenamed(Event):
    participant: str
    nickname: str


@kind(PARTICIPANT_MOVED)
class ParticipantMoved(Event):
    participant: str
    team: str


@kind(TEAMS_SHUFFLED)
class TeamsShuffled(Event):
    seed: int
    teams: dict  # {team id: [participant id, ...]}, the deal


@kind(PARTICIPANT_REMOVED)
class ParticipantRemoved(Event):
    participant: str
    banned: bool
    votes_in: int | None = absent()  # when the removal lowers the round's count


@kind(JOINING_LOCKED)
class JoiningLocked(Event):
    locked: bool


@kind(ROUND_STARTED)
class RoundStarted(Event):
    round: int
    scenario: dict
    phase: Phase
    deadline: float | None


@kind(PHASE_CHANGED)
class PhaseChanged(Event):
    round: int
    phase: Phase
    deadline: float | None
    moves: dict | None = absent()  # entering the vote: {team: text} of the moves not hidden
    ballot_rings: dict | None = absent()  # entering the vote


@kind(TIMER_PAUSED)
class TimerPaused(Event):
    round: int
    remaining: float


@kind(TIMER_RESUMED)
class TimerResumed(Event):
    round: int
    deadline: float


@kind(TIMER_CHANGED)
class TimerChanged(Event):
    round: int
    deadline: float | None
    remaining: float | None


@kind(MOVE_SAVED)
class MoveSaved(Event):
    round: int
    team: str
    text: str
    version: int
    author: str


@kind(MOVE_HIDDEN)
class MoveHidden(Event):
    round: int
    team: str
    hidden: bool
    text: str | None = absent()  # put back once the vote opened: its withheld text


@kind(VOTE_CAST)
class VoteCast(Event):
    round: int
    voter: str
    team: str
    q1: Answer
    q2: Answer
    votes_in: int


@kind(ROUND_SCORED)
class RoundScored(Event):
    round: int
    results: dict  # {team: result}, game/core/scoring.py


@kind(WORKSHOP_ENDED)
class WorkshopEnded(Event):
    at: float | None = absent()  # logs from before commitments have no time


@kind(COMMITMENT_SAVED)
class CommitmentSaved(Event):
    participant: str
    text: str
    version: int


# -- what viewers who may not see the whole fact get (visibility.redact): never stored ----------


@kind(MOVE_SAVED, stored=False)
class MoveSavedRedacted(Event):
    round: int
    team: str
    version: int


@kind(VOTE_CAST, stored=False)
class VoteCastRedacted(Event):
    round: int
    votes_in: int


@kind(COMMITMENT_SAVED, stored=False)
class CommitmentSavedRedacted(Event):
    pass


ALL_TYPES = frozenset(KINDS)
