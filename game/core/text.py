"""What participants type, made safe to show and to compare.

Raw Unicode lets one person fool a room: invisible characters (zero-width spaces, soft hyphens,
bidi overrides) make two names that look the same differ, or slip a blocked word through;
compatibility forms (fullwidth and mathematical letters) and letters of other scripts (Cyrillic
\u0441) look
just like Latin ones. So participant text is stored without invisible characters and normalised
(NFKC for names, NFC for prose: UAX #15 keeps compatibility folding for identifiers, as it would
turn a move's "m\u00b2" into "m2"), and compared by Unicode TR39 skeletons, where look-alikes meet.
"""

from __future__ import annotations

import re
import unicodedata

from .confusables import PROTOTYPES

# Default_Ignorable_Code_Point (Unicode 15.1, DerivedCoreProperties.txt): drawn as nothing at all.
# The format characters (Cf: bidi controls, zero-width joiners, word joiner, BOM, tags) are taken
# by category as well; C0/C1 controls but whitespace, and surrogates, can never be shown either.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cs"})
_WHITESPACE_CONTROLS = frozenset("\t\n\r")
_BLANKS = str.maketrans({"\u2800": " "})  # BRAILLE PATTERN BLANK: a letter-like space
# Emoji sequences need these two: 👩‍💻 is WOMAN, ZERO WIDTH JOINER, LAPTOP; ❤️ ends in VS-16.
_ZWJ, _VS15, _VS16 = "\u200d", "\ufe0e", "\ufe0f"
_ASCII_PROTOTYPES = str.maketrans({k: v for k, v in PROTOTYPES.items() if k.isascii()})
_MODIFIERS = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))  # emoji skin tones


def _hidden(char: str) -> bool:
    if _IGNORABLE.match(char):
        return True
    category = unicodedata.category(char)
    return category in _HIDDEN_CATEGORIES or (category == "Cc" and char not in _WHITESPACE_CONTROLS)


def _emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or char in _MODIFIERS


def visible(text: str, *, keep_emoji: bool = True) -> str:
    """``text`` without the characters that show nothing (a braille blank becomes a space).
    With ``keep_emoji``, a zero-width joiner between two emoji and a variation selector after
    one stay, so emoji sequences still draw as one picture."""
    if text.isascii() and text.isprintable():
        return text
    text = text.translate(_BLANKS)
    out: list[str] = []
    for i, char in enumerate(text):
        if not _hidden(char) or (keep_emoji and out and _glues(char, out[-1], text[i + 1 : i + 2])):
            out.append(char)
    return "".join(out)


def _glues(char: str, before: str, after: str) -> bool:
    if char in (_VS15, _VS16):
        return _emoji(before)
    return char == _ZWJ and (_emoji(before) or before == _VS16) and bool(after) and _emoji(after)


def _normal(text: str, form: str, *, keep_emoji: bool = True) -> str:
    # Normalised before and after: NFKC can turn a symbol into a letter (so its selector must
    # go), and taking an invisible character out can let two neighbours compose.
    once = unicodedata.normalize(form, str(text))
    return unicodedata.normalize(form, visible(once, keep_emoji=keep_emoji))


def name(text: str) -> str:
    """A nickname as stored: visible, NFKC, runs of whitespace as one space, ends trimmed."""
    return " ".join(_normal(text, "NFKC").split())


def prose(text: str) -> str:
    """A move or commitment as stored: visible, NFC, ends trimmed (lines inside kept)."""
    return _normal(text, "NFC").strip()


def skeleton(text: str) -> str:
    """TR39's skeleton: NFD, each character replaced by its prototype, NFD again."""
    if text.isascii():  # already NFD, and so are the prototypes of ASCII characters
        return text.translate(_ASCII_PROTOTYPES)
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(PROTOTYPES.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


def name_keys(nickname: str) -> tuple[str, ...]:
    """The forms under which a nickname is taken: two names clash when they share one.
    Case is ignored both ways round: the skeleton of the case-folded name (so CHLOE and chloe
    meet) and the case-folded skeleton (so capital I and small l meet, as TR39 maps I to l)."""
    plain = " ".join(_normal(nickname, "NFKC", keep_emoji=False).split())
    folded = skeleton(plain.casefold())
    looks = skeleton(skeleton(plain).casefold())
    return (folded,) if folded == looks else (folded, looks)
