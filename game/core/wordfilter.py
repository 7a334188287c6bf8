"""A word filter for what participants type where the whole room can see it.

Whole words only, after undoing common disguises (l33t digits, repeated letters, separators
inside a word are not joined), so place names and ordinary words that merely contain a blocked
word are left alone. Words are compared as they look, not as they are encoded: invisible
characters out, NFKC, accents off, and each letter by its TR39 prototype (Cyrillic \u0441 is c),
with case ignored and capital I taken for small l, as TR39 does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .text import skeleton, visible

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
_I_FOR_L = str.maketrans("l", "i")  # TR39 maps capital I to l; the digit 1 is i above


def has_blocked_word(text: str, extra: str = "") -> bool:
    """Whether ``text`` has a blocked word: the built-in list or ``extra`` (a word list)."""
    blocked = _blocked_forms(extra)
    return any(w in blocked or _REPEATS.sub(r"\1", w) in blocked for w in _words(text))


def word_list(text: str) -> list[str]:
    """A facilitator's list, written any way (commas, spaces, lines), as sorted unique words."""
    plain = unicodedata.normalize("NFKC", visible(text, keep_emoji=False))
    return sorted(set(_WORD.findall(plain.casefold().translate(_DISGUISES))))


def _words(text: str) -> set[str]:
    return {word for form in _forms(text) for word in _WORD.findall(form)}


def _forms(text: str) -> tuple[str, str]:
    """``text`` in the two forms words are compared in. Two, because case and look-alikes
    interact: a lower-case look-alike (Cyrillic \u0441) is found after case folding, a capital
    one (Cyrillic \u0412 for B) only before it."""
    plain = unicodedata.normalize("NFKC", visible(text, keep_emoji=False))
    folded = skeleton(plain.casefold().translate(_DISGUISES)).casefold()
    looks = skeleton(plain).casefold()
    return _unmarked(folded), _unmarked(looks)


def _unmarked(text: str) -> str:
    """Accents and other marks off (they are drawn on a letter, and the word regex would cut
    there), then l and i as one letter."""
    bare = skeleton(text)
    if not bare.isascii():
        bare = "".join(c for c in bare if unicodedata.category(c)[0] != "M")
    return bare.translate(_I_FOR_L)


@lru_cache(maxsize=256)
def _blocked_forms(extra: str) -> frozenset[str]:
    """The built-in list and a room's own, in the forms ``_words`` gives (cached: a room's list
    is checked against every join and every move, and rarely changes)."""
    forms = set()
    for word in BLOCKED | set(word_list(extra)):
        for form in _forms(word):
            found = _WORD.findall(form)
            if len(found) == 1:  # a letter drawn like punctuation must not cut a word in two
                forms.add(found[0])
    return frozenset(forms)
