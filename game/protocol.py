"""The wire protocol, version 1 (docs/protocol.md says the same for people).

``parse`` turns one client frame into a ``Message`` or raises ``ProtocolError`` with a stable
code (an ``ErrorCode``) and its sentence; ``to_command`` turns a command message into a core
command. Nothing here touches the database or the socket.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from game import textrules
from game.core import commands as c
from game.core.limits import COMMITMENT_MAX, MOVE_MAX, NICKNAME_MAX, TEAM_NAME_MAX, TIMER_ADJUST_MAX
from game.core.model import Answer
from game.core.refusals import ErrorCode, sentence

VERSION = 1
MAX_FRAME_BYTES = 64 * 1024
MAX_ID = 64
SEED_MAX = 2**53  # exact in every JSON reader, JavaScript's included

ROLES = ("facilitator", "participant", "screen")
ANSWERS = {"yes": Answer.YES, "unsure": Answer.UNSURE, "no": Answer.NO}


class ProtocolError(Exception):
    """A message that cannot be handled: its code, its sentence (``sentence(code, **fields)``
    unless ``message`` is given) and the offending message's id when it could be read."""

    def __init__(
        self,
        code: ErrorCode | str,
        message: str | None = None,
        client_id: str | None = None,
        **fields: object,
    ) -> None:
        self.code = ErrorCode(code)
        self.message = message or sentence(self.code, **fields)
        self.client_id = client_id
        super().__init__(f"{self.code}: {self.message}")


@dataclass(frozen=True)
class Message:
    type: str
    fields: dict
    client_id: str | None = None


# -- field checkers: each returns the clean value or raises ValueError with a sentence ----------


def text(limit: int, *, allow_empty: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        if not allow_empty and not value.strip():
            raise ValueError("must not be empty")
        return value

    return check


def integer(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def choice(options: dict | tuple) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in options:
            raise ValueError("must be one of " + ", ".join(options))
        return options[value] if isinstance(options, dict) else value

    return check


def _no_constant(name: str) -> None:
    # NaN and Infinity are not JSON, though Python's reader takes them by default.
    raise ValueError(f"{name} is not JSON")


def small_object(value: Any) -> dict:
    if not isinstance(value, dict) or len(value) > 20:
        raise ValueError("must be an object with at most 20 keys")
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool) or (
            isinstance(item, str) and len(item) > 1000
        ):
            raise ValueError(f"{key!r} must be a short string, a number or true/false")
    return value


def team_id(value: Any) -> str:
    return text(8)(value)


def participant_id(value: Any) -> str:
    return text(40)(value)


Schema = dict[str, tuple[Callable[[Any], Any], bool]]  # field -> (checker, required)

HELLO: Schema = {
    "protocol": (integer(1, 1000), True),
    "role": (choice(ROLES), True),
    "token": (text(400, allow_empty=True), False),
    "last_seq": (integer(0, 2**53), False),
}

# Client commands, by role. Every command carries ``id``, a client-chosen string.
PARTICIPANT: dict[str, Schema] = {
    "rename": {"nickname": (text(NICKNAME_MAX), True)},
    "submit_move": {
        "text": (text(MOVE_MAX), True),
        "base_version": (integer(0, 10**6), True),
    },
    "vote": {
        "team": (team_id, True),
        "q1": (choice(ANSWERS), True),
        "q2": (choice(ANSWERS), True),
    },
    "commit": {"text": (text(COMMITMENT_MAX), True)},
}
FACILITATOR: dict[str, Schema] = {
    "add_team": {"name": (text(TEAM_NAME_MAX), True)},
    "rename_team": {"team": (team_id, True), "name": (text(TEAM_NAME_MAX), True)},
    "assign_team": {"participant": (participant_id, True), "team": (team_id, True)},
    "shuffle_teams": {"seed": (integer(0, SEED_MAX), False)},
    "remove_participant": {"participant": (participant_id, True), "ban": (boolean, False)},
    "rename_participant": {
        "participant": (participant_id, True),
        "nickname": (text(NICKNAME_MAX), True),
    },
    "hide_move": {"team": (team_id, True), "hidden": (boolean, False)},
    "configure": {"settings": (small_object, True)},
    "lock_joining": {"locked": (boolean, True)},
    "start_round": {"scenario_id": (integer(1, 2**53), False), "scenario": (small_object, False)},
    "advance": {},
    "pause": {},
    "resume": {},
    "adjust_timer": {"seconds": (integer(-TIMER_ADJUST_MAX, TIMER_ADJUST_MAX), True)},
    "end_workshop": {},
}
COMMANDS: dict[str, Schema] = {**PARTICIPANT, **FACILITATOR}
CONTROL: dict[str, Schema] = {"hello": HELLO, "ping": {}}


def parse(frame: str | bytes | None) -> Message:
    if frame is None:
        raise ProtocolError(ErrorCode.BAD_FRAME)
    size = (
        len(frame)
        if isinstance(frame, bytes) or len(frame) * 4 <= MAX_FRAME_BYTES
        else len(frame.encode())
    )
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(ErrorCode.TOO_LARGE, limit=MAX_FRAME_BYTES)
    try:
        body = json.loads(frame, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ProtocolError(ErrorCode.BAD_JSON) from None
    if not textrules.all_clean(body):
        raise ProtocolError(ErrorCode.BAD_TEXT, client_id=_id_of(body))
    if not isinstance(body, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE)
    kind = body.get("type")
    client_id = body.get("id")
    if client_id is not None and (
        not isinstance(client_id, str) or not 1 <= len(client_id) <= MAX_ID
    ):
        raise ProtocolError(ErrorCode.BAD_ID, limit=MAX_ID)
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, client_id=client_id)
    schema = CONTROL.get(kind, COMMANDS.get(kind))
    if schema is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, client_id=client_id, kind=kind[:40])
    if kind in COMMANDS and client_id is None:
        raise ProtocolError(ErrorCode.BAD_ID, limit=MAX_ID)
    fields = {}
    for name, (check, required) in schema.items():
        if name not in body or body[name] is None:
            if required:
                raise ProtocolError(
                    ErrorCode.MISSING_FIELD, client_id=client_id, kind=kind, field=name
                )
            continue
        try:
            fields[name] = check(body[name])
        except ValueError as problem:
            raise ProtocolError(
                ErrorCode.INVALID_FIELD, client_id=client_id, field=name, problem=problem
            ) from None
    unknown = set(body) - set(schema) - {"type", "id"}
    if unknown:
        field = sorted(unknown)[0][:40]
        raise ProtocolError(ErrorCode.UNKNOWN_FIELD, client_id=client_id, kind=kind, field=field)
    return Message(kind, fields, client_id)


def _id_of(body: Any) -> str | None:
    """The message's id, if it is one (a clean string of 1 to MAX_ID characters)."""
    client_id = body.get("id") if isinstance(body, dict) else None
    if (
        isinstance(client_id, str)
        and 1 <= len(client_id) <= MAX_ID
        and textrules.is_clean(client_id)
    ):
        return client_id
    return None


def readable_id(frame: str | bytes | None) -> str | None:
    """The id of a frame that is not otherwise read (one over the rate limit), if it has one."""
    if frame is None or len(frame) > MAX_FRAME_BYTES:
        return None
    try:
        return _id_of(json.loads(frame))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def to_command(message: Message) -> c.Command:
    """The core command for a parsed command message. A round started from a ``scenario_id``
    carries no card yet: the consumer asks the host for it."""
    f = message.fields
    match message.type:
        case "rename":
            return c.Rename(f["nickname"])
        case "submit_move":
            return c.SubmitMove(f["text"], f["base_version"])
        case "vote":
            return c.CastVote(f["team"], f["q1"], f["q2"])
        case "commit":
            return c.Commit(f["text"])
        case "add_team":
            return c.AddTeam(f["name"])
        case "rename_team":
            return c.RenameTeam(f["team"], f["name"])
        case "assign_team":
            return c.AssignTeam(f["participant"], f["team"])
        case "shuffle_teams":
            # The core deals from a seed but has no randomness of its own: pick one here when
            # the client leaves it to us. A retry is answered from its receipt, never re-dealt.
            seed = f.get("seed")
            return c.ShuffleTeams(secrets.randbelow(SEED_MAX + 1) if seed is None else seed)
        case "remove_participant":
            return c.RemoveParticipant(f["participant"], f.get("ban", False))
        case "rename_participant":
            return c.RenameParticipant(f["participant"], f["nickname"])
        case "hide_move":
            return c.HideMove(f["team"], f.get("hidden", True))
        case "configure":
            return c.Configure(f["settings"])
        case "lock_joining":
            return c.LockJoining(f["locked"])
        case "start_round":
            return c.StartRound(f.get("scenario", {}))
        case "advance":
            return c.Advance()
        case "pause":
            return c.Pause()
        case "resume":
            return c.Resume()
        case "adjust_timer":
            return c.AdjustTimer(f["seconds"])
        case "end_workshop":
            return c.EndWorkshop()
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, client_id=message.client_id, kind=message.type)


def encode(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)
