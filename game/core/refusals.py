"""Every code the server sends, each with its sentence for people: the game's refusals (the rules
said no) and the errors of the protocol and the connection (the message or the socket could not
be handled). docs/protocol.md §12 and §13 list the same codes; pages translate the sentences from
here (a catalogue, game/templatetags/sentences.py), never from a copy of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


def gettext_noop(text: str) -> str:
    """Marks ``text`` for translation (makemessages finds it) without translating it: the core
    has no language; the page that shows a sentence translates it."""
    return text


class ErrorCode(StrEnum):
    # -- refusals: the game's rules (and the consumer's role check) did not allow a command
    FORBIDDEN = "forbidden"
    PARTICIPANTS_ONLY = "participants_only"
    NOT_JOINED = "not_joined"
    WORKSHOP_NOT_STARTED = "workshop_not_started"
    WORKSHOP_EXISTS = "workshop_exists"
    WORKSHOP_ENDED = "workshop_ended"
    JOINING_LOCKED = "joining_locked"
    ALREADY_JOINED = "already_joined"
    NICKNAME_INVALID = "nickname_invalid"
    NICKNAME_TAKEN = "nickname_taken"
    BANNED = "banned"
    PARTICIPANT_UNKNOWN = "participant_unknown"
    TEAM_UNKNOWN = "team_unknown"
    TEAM_NAME_INVALID = "team_name_invalid"
    TEAM_NAME_TAKEN = "team_name_taken"
    TOO_MANY_TEAMS = "too_many_teams"
    NO_TEAM = "no_team"
    NO_TEAMS = "no_teams"
    TEAMS_LOCKED = "teams_locked"
    SETTINGS_INVALID = "settings_invalid"
    ROUND_IN_PROGRESS = "round_in_progress"
    SCENARIO_INVALID = "scenario_invalid"
    NO_ROUND = "no_round"
    LAST_PHASE = "last_phase"
    WRONG_PHASE = "wrong_phase"
    NO_TIMER = "no_timer"
    ALREADY_PAUSED = "already_paused"
    NOT_PAUSED = "not_paused"
    TIMER_INVALID = "timer_invalid"
    NOT_DUE = "not_due"
    BLOCKED_WORDS = "blocked_words"
    MOVE_INVALID = "move_invalid"
    STALE_MOVE = "stale_move"
    VOTE_INVALID = "vote_invalid"
    OWN_TEAM = "own_team"
    NO_SUCH_MOVE = "no_such_move"
    NOT_ON_BALLOT = "not_on_ballot"
    WORKSHOP_NOT_ENDED = "workshop_not_ended"
    COMMITMENT_INVALID = "commitment_invalid"
    COMMITMENTS_CLOSED = "commitments_closed"
    # -- errors: a message the protocol cannot read (game/protocol.py: parse)
    BAD_FRAME = "bad_frame"
    TOO_LARGE = "too_large"
    BAD_JSON = "bad_json"
    BAD_TEXT = "bad_text"
    BAD_MESSAGE = "bad_message"
    BAD_ID = "bad_id"
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    UNKNOWN_FIELD = "unknown_field"
    # -- errors: the connection (game/consumers.py)
    HELLO_REQUIRED = "hello_required"
    ALREADY_HELLO = "already_hello"
    BAD_PROTOCOL = "bad_protocol"
    AUTH_FAILED = "auth_failed"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    HELLO_TIMEOUT = "hello_timeout"
    REPLACED = "replaced"
    REMOVED = "removed"


_ = gettext_noop
C = ErrorCode

REFUSALS: dict[ErrorCode, str] = {
    C.FORBIDDEN: _("Only the facilitator can do that."),
    C.PARTICIPANTS_ONLY: _("Only a participant in the game can do that."),
    C.NOT_JOINED: _("You are not part of this workshop (any more). Join again with the room code."),
    C.WORKSHOP_NOT_STARTED: _("This workshop has not been set up yet."),
    C.WORKSHOP_EXISTS: _("This workshop has already been set up."),
    C.WORKSHOP_ENDED: _("This workshop has ended."),
    C.JOINING_LOCKED: _("This room is not taking new participants right now."),
    C.ALREADY_JOINED: _("You have already joined this workshop."),
    C.NICKNAME_INVALID: _("A nickname needs 1 to 24 characters, not only spaces."),
    C.NICKNAME_TAKEN: _("Someone in this room already uses that nickname. Pick another one."),
    C.BANNED: _("You cannot join this workshop."),
    C.PARTICIPANT_UNKNOWN: _("There is no such participant in this workshop."),
    C.TEAM_UNKNOWN: _("There is no such team in this workshop."),
    C.TEAM_NAME_INVALID: _("A team name needs 1 to 40 characters, not only spaces."),
    C.TEAM_NAME_TAKEN: _("Another team already has that name."),
    C.TOO_MANY_TEAMS: _("A workshop can have at most 50 teams."),
    C.NO_TEAM: _("You are not in a team yet. Ask the facilitator to put you in one."),
    C.NO_TEAMS: _("There are no teams to shuffle people into. Add a team first."),
    C.TEAMS_LOCKED: _("Teams cannot change while moves are being written or voted on."),
    C.SETTINGS_INVALID: _("Those settings are not valid."),
    C.ROUND_IN_PROGRESS: _(
        "Finish the current round (up to its leaderboard) before starting another."
    ),
    C.SCENARIO_INVALID: _(
        "A round needs a scenario with a title, a customer, a situation and an ask."
    ),
    C.NO_ROUND: _("No round is running."),
    C.LAST_PHASE: _("This round is already at its leaderboard. Start the next round instead."),
    C.WRONG_PHASE: _("That is not possible in this phase of the round."),
    C.NO_TIMER: _("This phase has no timer running."),
    C.ALREADY_PAUSED: _("The timer is already paused."),
    C.NOT_PAUSED: _("The timer is not paused."),
    C.TIMER_INVALID: _("A timer change must be a whole number of seconds between -3600 and 3600."),
    C.NOT_DUE: _("This phase's time is not up yet."),
    C.BLOCKED_WORDS: _("Please keep it friendly: that contains a word this room does not allow."),
    C.MOVE_INVALID: _("A move needs 1 to 600 characters, not only spaces."),
    C.STALE_MOVE: _("A teammate saved a newer version of your move. Look at it and try again."),
    C.VOTE_INVALID: _("Each answer must be yes, not sure or no."),
    C.OWN_TEAM: _("You cannot vote on your own team's move."),
    C.NO_SUCH_MOVE: _("There is no move by that team to vote on."),
    C.NOT_ON_BALLOT: _("That move is not on your ballot this round."),
    C.WORKSHOP_NOT_ENDED: _("You can write your commitment once the workshop has ended."),
    C.COMMITMENT_INVALID: _("A commitment needs 1 to 280 characters, not only spaces."),
    C.COMMITMENTS_CLOSED: _("Commitments for this workshop are closed now."),
}

# Placeholders in braces are filled from ``sentence``'s fields; a mapping holds one sentence
# per role the error is said to (``role=``).
ERRORS: dict[ErrorCode, str | Mapping[str, str]] = {
    C.BAD_FRAME: _("Send JSON text frames."),
    C.TOO_LARGE: _("A message may be at most {limit} bytes."),
    C.BAD_JSON: _("That message is not valid JSON."),
    C.BAD_TEXT: _("Text may not hold control characters or broken Unicode (lone surrogates)."),
    C.BAD_MESSAGE: _("A message must be a JSON object with a string type."),
    C.BAD_ID: _("An id must be a string of 1 to {limit} characters; every command needs one."),
    C.UNKNOWN_TYPE: _("There is no message type {kind!r}."),
    C.MISSING_FIELD: _("{kind} needs {field}."),
    C.INVALID_FIELD: _("{field} {problem}."),
    C.UNKNOWN_FIELD: _("{kind} has no field {field!r}."),
    C.HELLO_REQUIRED: _("Say hello first."),
    C.ALREADY_HELLO: _("This connection has already said hello."),
    C.BAD_PROTOCOL: _("This server speaks protocol {version}."),
    C.AUTH_FAILED: {
        "facilitator": _("Log in as a facilitator of this workshop first."),
        "participant": _(
            "Your seat in this workshop was not recognised. Join again with the room code."
        ),
        "screen": _("This screen link is not valid for this workshop."),
    },
    C.UNAVAILABLE: _("The server cannot save right now. Try again in a moment."),
    C.RATE_LIMITED: _("Too many messages: slow down and try again."),
    C.TOO_MANY_CONNECTIONS: _(
        "Too many connections from your network address on this server. Close some and try again."
    ),
    C.HELLO_TIMEOUT: _(
        "No hello within {seconds} seconds: this connection is closed. Reconnect and say hello."
    ),
    C.REPLACED: _(
        "This seat has too many connections open: this one, its oldest, is closed. "
        "Close the tabs you no longer use."
    ),
    C.REMOVED: _("The facilitator removed you from this workshop."),
}
SENTENCES: dict[ErrorCode, str | Mapping[str, str]] = {**REFUSALS, **ERRORS}
del _, C


def sentence(code: ErrorCode | str, **fields: object) -> str:
    """The sentence for ``code``, its placeholders filled from ``fields`` (and for a sentence
    that depends on the role, ``role``). ValueError for an unknown code, KeyError for a
    missing field."""
    said = SENTENCES[ErrorCode(code)]
    if isinstance(said, Mapping):
        said = said[str(fields["role"])]
    return said.format(**fields) if fields else said


def fixed_sentences() -> list[str]:
    """Every sentence sent exactly as written here (without placeholders): what a page can
    translate word for word."""
    said = [s for entry in SENTENCES.values() for s in _variants(entry)]
    return [s for s in said if "{" not in s]


def _variants(entry: str | Mapping[str, str]) -> list[str]:
    return list(entry.values()) if isinstance(entry, Mapping) else [entry]


class Refusal(Exception):
    """A command the rules do not allow; carries a stable code and a human sentence."""

    def __init__(self, code: ErrorCode | str, message: str | None = None) -> None:
        if code not in REFUSALS:
            raise KeyError(f"unknown refusal code {code!r}")
        self.code = ErrorCode(code)
        self.message = message or REFUSALS[self.code]
        super().__init__(f"{self.code}: {self.message}")
