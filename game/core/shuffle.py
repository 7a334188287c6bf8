"""Dealing people into teams from a seed: the same seed and people always give the same teams.

The core may not use ``random`` (it must replay identically), so a keyed hash stands in for a
shuffle: sorting by ``hash(seed, name)`` is a permutation that only the seed decides.
"""

from __future__ import annotations

from hashlib import blake2b


def _rank(seed: int, kind: str, name: str) -> tuple[bytes, str]:
    digest = blake2b(f"{kind}\x1f{seed}\x1f{name}".encode(), digest_size=8).digest()
    return digest, name


def deal(people: list[str], teams: list[str], seed: int) -> dict[str, list[str]]:
    """Every person in exactly one team, team sizes differing by at most one.

    The teams themselves are shuffled too, so which teams get the one extra member is left to
    the seed rather than always falling on the first teams created. The result keeps ``teams``'
    order; each team's list is in dealing order.
    """
    dealt: dict[str, list[str]] = {team: [] for team in teams}
    if not teams:
        return dealt
    table = sorted(teams, key=lambda team: _rank(seed, "team", team))
    for i, person in enumerate(sorted(people, key=lambda p: _rank(seed, "person", p))):
        dealt[table[i % len(table)]].append(person)
    return dealt
