"""The game's state: plain dataclasses folded from the event log."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    SCREEN = "screen"
    SYSTEM = "system"


class Phase(StrEnum):
    BRIEF = "brief"
    PITCH = "pitch"
    VOTE = "vote"
    REVEAL = "reveal"
    LEADERBOARD = "leaderboard"


PHASE_ORDER: tuple[Phase, ...] = (
    Phase.BRIEF,
    Phase.PITCH,
    Phase.VOTE,
    Phase.REVEAL,
    Phase.LEADERBOARD,
)


class Answer(StrEnum):
    YES = "yes"
    UNSURE = "unsure"
    NO = "no"


@dataclass(frozen=True)
class Actor:
    role: Role
    participant_id: str | None = None


FACILITATOR = Actor(Role.FACILITATOR)
SYSTEM = Actor(Role.SYSTEM)
SCREEN_ACTOR = Actor(Role.SCREEN)


def participant(participant_id: str) -> Actor:
    return Actor(Role.PARTICIPANT, participant_id)


@dataclass
class Settings:
    """Per-workshop rules. Answer values are strings of decimals so they stay exact."""

    yes_value: str = "1"
    unsure_value: str = "0.5"
    no_value: str = "0"
    upsell_share: str = "0.5"  # flagged when MORE than this share answer no to question 1
    badge_share: str = "2/3"  # badge when AT LEAST this share answer yes to both
    badge_bonus: int = 20
    ballot_size: int = 5
    full_ballot_max_teams: int = 8
    pitch_seconds: int = 180
    vote_seconds: int = 90
    anonymous_moves: bool = True
    # 0: a fixed set of teams. Otherwise joiners fill teams up to this size and, once every team
    # is full, open a new one.
    team_size: int = 0
    blocked_words: str = ""  # the facilitator's own additions to the word filter


@dataclass
class Team:
    id: str
    name: str
    members: list[str] = field(default_factory=list)


@dataclass
class Person:
    id: str
    nickname: str
    team_id: str | None
    joined_at: float


@dataclass
class Move:
    team_id: str
    text: str
    version: int
    author_id: str


@dataclass
class Vote:
    voter_id: str
    team_id: str
    q1: Answer
    q2: Answer


@dataclass
class Round:
    number: int
    scenario: dict
    phase: Phase
    deadline: float | None = None
    paused_remaining: float | None = None
    moves: dict[str, Move] = field(default_factory=dict)
    # keyed by (voter, team): the last vote cast is the one that counts
    votes: dict[tuple[str, str], Vote] = field(default_factory=dict)
    # frozen when the vote opens: each team's ring of other teams' moves, for ballots
    ballot_rings: dict[str, list[str]] = field(default_factory=dict)
    results: dict[str, dict] | None = None
    hidden: set[str] = field(default_factory=set)  # moves the facilitator took off the screen
    # who was in which team when the vote opened: teams hold still through pitch and vote, so
    # this is whose move it was, even for someone moved to another team in a later round
    lineup: dict[str, str | None] = field(default_factory=dict)
    # Ballots hold still for the whole vote (docs/protocol.md §9): each voter's place in their
    # team when the vote opened (or when they joined it), and the window size then (0: every
    # other move), so a removal or a later change of settings or teams never reshuffles them.
    slots: dict[str, int] = field(default_factory=dict)
    window: int = 0


@dataclass
class Commitment:
    participant_id: str
    text: str
    version: int  # how many times it was saved


@dataclass
class State:
    title: str = ""
    seq: int = 0
    created: bool = False
    ended: bool = False
    ended_at: float | None = None
    joining_locked: bool = False
    settings: Settings = field(default_factory=Settings)
    teams: dict[str, Team] = field(default_factory=dict)  # insertion order = creation order
    people: dict[str, Person] = field(default_factory=dict)
    # Whose each nickname is, under each of its look-alike keys (text.name_keys): a join checks
    # it in a room of thousands at once.
    nicknames: dict[str, str] = field(default_factory=dict)
    banned: set[str] = field(default_factory=set)
    rounds: list[Round] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    badges: dict[str, int] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)

    @property
    def current_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def phase(self) -> Phase | None:
        current = self.current_round
        return current.phase if current else None

    def team_of(self, person_id: str) -> str | None:
        person = self.people.get(person_id)
        return person.team_id if person else None
