"""A word filter for what participants type where the whole room can see it.

Whole words only, after undoing common disguises (l33t digits, repeated letters, separators
inside a word are not joined), so place names and ordinary words that merely contain a blocked
word are left alone.
"""

from __future__ import annotations

import re

BLOCKED = frozenset(
    (
        "fuck",
        "fucker",
        "fucking",
        "fucked",
        "motherfucker",
        "shit",
        "shitty",
        "bullshit",
        "cunt",
        "bitch",
        "bitches",
        "asshole",
        "arsehole",
        "bastard",
        "dickhead",
        "twat",
        "wanker",
        "slut",
        "whore",
        "cocksucker",
        "pussy",
        "retard",
        "retarded",
        "faggot",
        "nigger",
        "nigga",
        "kike",
        "chink",
        "tranny",
    )
)

_DISGUISES = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_REPEATS = re.compile(r"(.)\1{2,}")


def has_blocked_word(text: str, extra: str = "") -> bool:
    """Whether ``text`` has a blocked word: the built-in list or ``extra`` (a word list)."""
    blocked = BLOCKED | set(word_list(extra)) if extra else BLOCKED
    lowered = text.casefold().translate(_DISGUISES)
    for word in _WORD.findall(lowered):
        if word in blocked or _REPEATS.sub(r"\1", word) in blocked:
            return True
    return False


def word_list(text: str) -> list[str]:
    """A facilitator's list, written any way (commas, spaces, lines), as sorted unique words."""
    return sorted({w for w in _WORD.findall(text.casefold().translate(_DISGUISES))})
