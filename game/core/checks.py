"""What a name, a nickname, a team name or a setting must be to be accepted."""

from __future__ import annotations

import re
from dataclasses import fields
from fractions import Fraction

from .limits import (
    NICKNAME_MAX,
    TEAM_NAME_MAX,
)
from .model import Settings, State
from .refusals import ErrorCode, Refusal
from .text import name, name_keys, prose
from .wordfilter import has_blocked_word, word_list

_SHARE = re.compile(r"\d{1,6}(\.\d{1,6})?|\d{1,6}/\d{1,6}")


def clean_text(text: str) -> str:
    return " ".join(str(text).split())


def checked_name(text: str, limit: int, code: ErrorCode, extra_words: str = "") -> str:
    name = clean_text(text)
    if not 1 <= len(name) <= limit:
        raise Refusal(code)
    if has_blocked_word(name, extra_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    return name


def checked_nickname(state: State, text: str, *, exclude: str | None = None) -> str:
    # Participant text: stored without invisible characters and in NFKC (game/core/text.py),
    # and taken if it merely looks like a name in use.
    nickname = name(text)
    if not 1 <= len(nickname) <= NICKNAME_MAX:
        raise Refusal(ErrorCode.NICKNAME_INVALID)
    if has_blocked_word(nickname, state.settings.blocked_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    for key in name_keys(nickname):
        holder = state.nicknames.get(key)
        if holder is not None and holder != exclude:
            raise Refusal(ErrorCode.NICKNAME_TAKEN)
    return nickname


def checked_team_name(state: State, text: str, *, exclude: str | None = None) -> str:
    name = checked_name(
        text, TEAM_NAME_MAX, ErrorCode.TEAM_NAME_INVALID, state.settings.blocked_words
    )
    taken = {t.name.casefold() for tid, t in state.teams.items() if tid != exclude}
    if name.casefold() in taken:
        raise Refusal(ErrorCode.TEAM_NAME_TAKEN)
    return name


def checked_prose(state: State, text: str, limit: int, code: ErrorCode) -> str:
    """A move or a commitment as stored (game/core/text.py), or refused: empty, too long, or
    holding one of the room's blocked words."""
    text = prose(text)
    if not text or len(text) > limit:
        raise Refusal(code)
    if has_blocked_word(text, state.settings.blocked_words):
        raise Refusal(ErrorCode.BLOCKED_WORDS)
    return text


def next_team_id(state: State) -> str:
    return f"t{len(state.teams) + 1}"


def validate_settings(changes: dict) -> dict:
    """Return the changes as stored, or refuse: unknown keys, wrong types, out of range."""
    known = {f.name: f for f in fields(Settings)}
    defaults = Settings()
    out = {}
    for key, value in changes.items():
        if key not in known:
            raise Refusal(ErrorCode.SETTINGS_INVALID, f"There is no setting called {key!r}.")
        expected = type(getattr(defaults, key))
        if key == "blocked_words":
            if not isinstance(value, str) or len(value) > 2000:
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID,
                    "blocked_words must be text of at most 2000 characters.",
                )
            out[key] = ", ".join(word_list(value))
        elif expected is str:
            # Bounded digits before Fraction: "1e-10000000" would take it seconds to parse.
            if not isinstance(value, str | int | float) or not _SHARE.fullmatch(str(value)):
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID, f"{key} must be a number like 0.5 or 2/3."
                )
            try:
                number = Fraction(str(value))
            except (ValueError, ZeroDivisionError):
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID, f"{key} must be a number like 0.5 or 2/3."
                ) from None
            if not 0 <= number <= 1:
                raise Refusal(ErrorCode.SETTINGS_INVALID, f"{key} must be between 0 and 1.")
            out[key] = str(value)
        elif expected is bool:
            if not isinstance(value, bool):
                raise Refusal(ErrorCode.SETTINGS_INVALID, f"{key} must be true or false.")
            out[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3600:
                raise Refusal(
                    ErrorCode.SETTINGS_INVALID, f"{key} must be a whole number from 0 to 3600."
                )
            if key == "ballot_size" and value < 1:
                raise Refusal(ErrorCode.SETTINGS_INVALID, "ballot_size must be at least 1.")
            out[key] = value
    return out
