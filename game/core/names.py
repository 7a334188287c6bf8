"""Friendly generated nicknames. The caller supplies the randomness, so the core stays pure."""

from __future__ import annotations

from collections.abc import Container

from .text import name_keys

ADJECTIVES = (
    "Bold", "Bright", "Calm", "Clever", "Curious", "Daring", "Eager", "Gentle", "Happy", "Honest",
    "Jolly", "Keen", "Kind", "Lively", "Lucky", "Mellow", "Nimble", "Patient", "Plucky", "Quick",
    "Quiet", "Sunny", "Swift", "Thoughtful", "Warm", "Wise", "Witty", "Zesty", "Brave", "Cheerful",
)  # fmt: skip
ANIMALS = (
    "Badger", "Beaver", "Bison", "Crane", "Dolphin", "Falcon", "Fox", "Gecko", "Heron", "Ibis",
    "Koala", "Lark", "Lemur", "Lynx", "Marten", "Moose", "Otter", "Owl", "Panda", "Puffin",
    "Quokka", "Raven", "Robin", "Seal", "Sparrow", "Stork", "Tapir", "Tiger", "Walrus", "Wren",
)  # fmt: skip


def generate_nickname(pick: int, taken: Container[str]) -> str:
    """A free "Adjective Animal" for the random integer ``pick``; numbered once all are used.
    ``taken``: the look-alike keys of the nicknames in use (a state's ``nicknames``)."""
    combos = len(ADJECTIVES) * len(ANIMALS)
    for step in range(combos):
        index = (pick + step * 7919) % combos
        name = f"{ADJECTIVES[index // len(ANIMALS)]} {ANIMALS[index % len(ANIMALS)]}"
        if _free(name, taken):
            return name
    n = 2
    base = f"{ADJECTIVES[pick % len(ADJECTIVES)]} {ANIMALS[pick % len(ANIMALS)]}"
    while not _free(f"{base} {n}", taken):
        n += 1
    return f"{base} {n}"


def _free(name: str, taken: Container[str]) -> bool:
    return not any(key in taken for key in name_keys(name))


TEAM_NAMES = (
    "Amber", "Cobalt", "Coral", "Emerald", "Indigo", "Saffron", "Teal", "Violet", "Crimson",
    "Olive", "Azure", "Ruby", "Jade", "Copper", "Lilac", "Slate", "Sienna", "Mint", "Plum", "Gold",
)  # fmt: skip


def team_names(count: int) -> list[str]:
    return [TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"Team {i + 1}" for i in range(count)]
