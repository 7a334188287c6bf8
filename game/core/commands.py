"""What actors ask the game to do. Plain values; the protocol layer builds them from JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Answer


@dataclass(frozen=True)
class CreateWorkshop:
    title: str
    team_names: tuple[str, ...]
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Join:
    nickname: str


@dataclass(frozen=True)
class Rename:
    nickname: str


@dataclass(frozen=True)
class AddTeam:
    name: str


@dataclass(frozen=True)
class RenameTeam:
    team_id: str
    name: str


@dataclass(frozen=True)
class AssignTeam:
    participant_id: str
    team_id: str


@dataclass(frozen=True)
class ShuffleTeams:
    """Deal everyone into the teams afresh, as evenly as the numbers allow.

    The core has no randomness of its own, so the caller brings the ``seed``; the same seed on
    the same state always deals the same teams, and the event records the deal itself.
    """

    seed: int


@dataclass(frozen=True)
class RemoveParticipant:
    """Kick (and with ``ban``, keep out) a participant. Their votes this round stop counting."""

    participant_id: str
    ban: bool = False


@dataclass(frozen=True)
class RenameParticipant:
    """The facilitator replaces a nickname (an offensive one, say)."""

    participant_id: str
    nickname: str


@dataclass(frozen=True)
class HideMove:
    """Take a team's move off the screen (or put it back)."""

    team_id: str
    hidden: bool = True


@dataclass(frozen=True)
class Configure:
    changes: dict


@dataclass(frozen=True)
class LockJoining:
    locked: bool


@dataclass(frozen=True)
class StartRound:
    scenario: dict


@dataclass(frozen=True)
class Advance:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class AdjustTimer:
    seconds: int


@dataclass(frozen=True)
class EndWorkshop:
    pass


@dataclass(frozen=True)
class SubmitMove:
    text: str
    base_version: int


@dataclass(frozen=True)
class CastVote:
    team_id: str
    q1: Answer
    q2: Answer


@dataclass(frozen=True)
class Commit:
    """A participant's one private commitment ("my upserving move for Monday"), after the end."""

    text: str


@dataclass(frozen=True)
class CloseDuePhase:
    """Sent by the server's timer when a phase deadline may have passed."""


Command = (
    CreateWorkshop
    | Join
    | Rename
    | AddTeam
    | RenameTeam
    | AssignTeam
    | ShuffleTeams
    | RemoveParticipant
    | RenameParticipant
    | HideMove
    | Configure
    | LockJoining
    | StartRound
    | Advance
    | Pause
    | Resume
    | AdjustTimer
    | EndWorkshop
    | SubmitMove
    | CastVote
    | Commit
    | CloseDuePhase
)

FACILITATOR_COMMANDS = (
    CreateWorkshop,
    AddTeam,
    RenameTeam,
    AssignTeam,
    ShuffleTeams,
    RemoveParticipant,
    RenameParticipant,
    HideMove,
    Configure,
    LockJoining,
    StartRound,
    Advance,
    Pause,
    Resume,
    AdjustTimer,
    EndWorkshop,
)
PARTICIPANT_COMMANDS = (Join, Rename, SubmitMove, CastVote, Commit)
SYSTEM_COMMANDS = (CloseDuePhase,)
