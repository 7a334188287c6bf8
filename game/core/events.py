"""Facts the game records: one frozen dataclass per kind of event.

Each kind's ``type`` is the name the log, Redis, archives and the wire store it under, and its
``data`` is exactly the JSON stored for it (the same keys, in the same order), so typing the
events changed nothing outside the process. ``load(type, data)`` builds an event from stored
JSON and checks its fields. A field declared with ``absent()`` is left out of ``data`` when it is
None: older logs lack it, or the event carries it only sometimes.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from enum import Enum
from functools import cached_property
from typing import Any, ClassVar

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


class Event:
    """Any event: ``type`` names its kind, ``data`` is its JSON.

    ``Event(type, data)`` itself is kept for callers that read rows or files the rules have not
    checked yet (an archive, a timeline's marks): it gives an ``Unchecked`` event, which the core
    loads, and so checks, when it folds or redacts it."""

    type: ClassVar[str]
    data: dict

    def __new__(cls, *args: Any, **kwargs: Any) -> Event:
        return object.__new__(Unchecked if cls is Event else cls)

    def __post_init__(self) -> None:
        # A Phase or an Answer given as its string is held as the member (``is`` compares them).
        for name, enum in _ENUMS.get(type(self), ()):
            object.__setattr__(self, name, enum(getattr(self, name)))


@dataclass(frozen=True)
class Unchecked(Event):
    type: str  # type: ignore[misc]  # an instance's, not its class's
    data: dict


def absent() -> Any:
    return field(default=None, metadata={"absent": True})


def _is_enum(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Enum)


def _absent(f) -> bool:
    return f.metadata.get("absent", False)


# Every stored kind by its type, and how ``load`` checks each of its fields.
KINDS: dict[str, type[Event]] = {}
_SHAPES: dict[type, tuple[tuple[str, Any, bool], ...]] = {}
_ENUMS: dict[type, tuple[tuple[str, type[Enum]], ...]] = {}


def _kind(type_: str, *, stored: bool = True):
    def make(cls: type) -> type:
        cls = dataclass(frozen=True)(cls)
        cls.type = type_
        hints = typing.get_type_hints(cls)
        shape = tuple(
            (f.name, _checker(hints[f.name], _absent(f)), _absent(f)) for f in fields(cls)
        )
        _SHAPES[cls] = shape
        _ENUMS[cls] = tuple((f.name, hints[f.name]) for f in fields(cls) if _is_enum(hints[f.name]))
        data = cached_property(_data)  # the fan-out reads it for every frame
        data.__set_name__(cls, "data")
        cls.data = data
        if stored:
            KINDS[type_] = cls
        return cls

    return make


def _data(event: Event) -> dict:
    out = {}
    for name, _, optional in _SHAPES[type(event)]:
        value = getattr(event, name)
        if value is None and optional:
            continue
        out[name] = value.value if isinstance(value, Enum) else value
    return out


def _checker(hint: Any, optional: bool):
    """A function that returns a stored value as the field holds it, or raises ValueError."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    nullable = type(None) in options and not optional  # an absent field is never stored null
    (kind,) = [option for option in options if option is not type(None)]

    def check(value: Any) -> Any:
        if value is None and nullable:
            return None
        if _is_enum(kind):
            if not isinstance(value, str):
                raise ValueError(f"must be one of {', '.join(kind)}")
            return kind(value)
        accepted = (int, float) if kind is float else kind
        if not isinstance(value, accepted) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"must be {_NAMES[kind]}")
        return value

    return check


_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
          dict: "an object", list: "a list"}  # fmt: skip


@_kind(WORKSHOP_CREATED)
class WorkshopCreated(Event):
    title: str
    teams: list  # [{"id", "name"}]
    settings: dict  # only the non-default settings


@_kind(SETTINGS_CHANGED)
class SettingsChanged(Event):
    settings: dict  # the changed settings only


@_kind(TEAM_ADDED)
class TeamAdded(Event):
    team: str
    name: str


@_kind(TEAM_RENAMED)
class TeamRenamed(Event):
    team: str
    name: str


@_kind(PARTICIPANT_JOINED)
class ParticipantJoined(Event):
    participant: str
    nickname: str
    team: str | None  # None in a workshop without teams


@_kind(PARTICIPANT_RENAMED)
class ParticipantRenamed(Event):
    participant: str
    nickname: str


@_kind(PARTICIPANT_MOVED)
class ParticipantMoved(Event):
    participant: str
    team: str


@_kind(TEAMS_SHUFFLED)
class TeamsShuffled(Event):
    seed: int
    teams: dict  # {team id: [participant id, ...]}, the deal


@_kind(PARTICIPANT_REMOVED)
class ParticipantRemoved(Event):
    participant: str
    banned: bool
    votes_in: int | None = absent()  # when the removal lowers the round's count


@_kind(JOINING_LOCKED)
class JoiningLocked(Event):
    locked: bool


@_kind(ROUND_STARTED)
class RoundStarted(Event):
    round: int
    scenario: dict
    phase: Phase
    deadline: float | None


@_kind(PHASE_CHANGED)
class PhaseChanged(Event):
    round: int
    phase: Phase
    deadline: float | None
    moves: dict | None = absent()  # entering the vote: {team: text} of the moves not hidden
    ballot_rings: dict | None = absent()  # entering the vote


@_kind(TIMER_PAUSED)
class TimerPaused(Event):
    round: int
    remaining: float


@_kind(TIMER_RESUMED)
class TimerResumed(Event):
    round: int
    deadline: float


@_kind(TIMER_CHANGED)
class TimerChanged(Event):
    round: int
    deadline: float | None
    remaining: float | None


@_kind(MOVE_SAVED)
class MoveSaved(Event):
    round: int
    team: str
    text: str
    version: int
    author: str


@_kind(MOVE_HIDDEN)
class MoveHidden(Event):
    round: int
    team: str
    hidden: bool
    text: str | None = absent()  # put back once the vote opened: its withheld text


@_kind(VOTE_CAST)
class VoteCast(Event):
    round: int
    voter: str
    team: str
    q1: Answer
    q2: Answer
    votes_in: int


@_kind(ROUND_SCORED)
class RoundScored(Event):
    round: int
    results: dict  # {team: result}, game/core/scoring.py


@_kind(WORKSHOP_ENDED)
class WorkshopEnded(Event):
    at: float | None = absent()  # logs from before commitments have no time


@_kind(COMMITMENT_SAVED)
class CommitmentSaved(Event):
    participant: str
    text: str
    version: int


# -- what viewers who may not see the whole fact get (visibility.redact): never stored ----------


@_kind(MOVE_SAVED, stored=False)
class MoveSavedRedacted(Event):
    round: int
    team: str
    version: int


@_kind(VOTE_CAST, stored=False)
class VoteCastRedacted(Event):
    round: int
    votes_in: int


@_kind(COMMITMENT_SAVED, stored=False)
class CommitmentSavedRedacted(Event):
    pass


ALL_TYPES = frozenset(KINDS)


def load(type_: str, data: dict) -> Event:
    """The event of kind ``type_`` stored as ``data``; ValueError if there is no such kind or the
    fields are not its own. Its ``data`` is ``data`` itself: what was stored goes out unchanged."""
    kind = KINDS.get(type_)
    if kind is None:
        raise ValueError(f"there is no event type {type_!r}")
    if not isinstance(data, dict):
        raise ValueError(f"{type_}: data must be an object")
    values = {}
    for name, check, optional in _SHAPES[kind]:
        if name in data:
            try:
                values[name] = check(data[name])
            except ValueError as problem:
                raise ValueError(f"{type_}.{name} {problem}") from None
        elif not optional:
            raise ValueError(f"{type_} needs {name}")
    if len(values) != len(data):
        extra = sorted(set(data) - set(values), key=str)[0]
        raise ValueError(f"{type_} has no field {extra!r}")
    event = kind(**values)
    event.__dict__["data"] = data  # seeds the cached_property
    return event


def checked(event: Event) -> Event:
    """``event`` as its kind: an ``Unchecked`` one is loaded (and so checked)."""
    return load(event.type, event.data) if type(event) is Unchecked else event
