"""What an archive may hold, checked on the document before anything is folded.

The checker's fold costs memory and work in proportion to the log (events), the roster (people)
and, once per round, the roster again: the vote copies who is in which team into the round's
lineup, so 2 MB of many people and many empty rounds once grew a process by 450 MB. Each limit
below is a cheap count over the raw JSON, so an archive bigger than a real big workshop (5,000
phones, a dozen rounds) is refused before it costs more than its parsing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from game.core.limits import MAX_TEAMS
from game.textrules import BAD_TEXT, is_clean

DEFAULTS = {
    "events": 300_000,
    "people": 10_000,  # joins: every join adds a person to the fold
    "rounds": 100,
    "lineup": 200_000,  # people times rounds: each round's vote copies the roster
    "cards": 500,
    # JSON objects and arrays, counted as the "{" and "[" bytes of the file (an upper bound,
    # before parsing): the smallest of them cost twenty times their size once parsed.
    "containers": 700_000,  # a real archive has two an event
    "depth": 20,  # a real archive nests six deep
}


class TooBig(ValueError):
    """The archive goes beyond a limit; the message says which, for the person importing it."""


def limits() -> dict[str, int]:
    return {**DEFAULTS, **getattr(settings, "UPSERVE_ARCHIVE_LIMITS", {})}


def _over(count: int, what: str, key: str) -> None:
    limit = limits()[key]
    if count > limit:
        raise TooBig(f"The archive holds {count:,} {what}; this server imports at most {limit:,}.")


def check_raw(raw: bytes | str) -> None:
    """Before parsing: how many objects and arrays the file can hold at most."""
    if isinstance(raw, bytes):
        containers = raw.count(b"{") + raw.count(b"[")
    else:
        containers = raw.count("{") + raw.count("[")
    _over(containers, "JSON objects and arrays", "containers")


def check_document(doc: Any) -> None:
    """After parsing, before folding: nesting, text and the shape of the workshop."""
    if not isinstance(doc, dict):
        return  # not an archive at all, which the reader says
    _check_nesting_and_text(doc)
    rows = doc.get("events")
    rows = rows if isinstance(rows, list) else []
    _over(len(rows), "events", "events")
    counts = {"participant_joined": 0, "round_started": 0, "team_added": 0}
    teams = 0
    for row in rows:
        kind = row.get("type") if isinstance(row, dict) else None
        if kind in counts:
            counts[kind] += 1
        elif kind == "workshop_created" and isinstance(row.get("data"), dict):
            created = row["data"].get("teams")
            teams += len(created) if isinstance(created, list) else 0
    people, rounds = counts["participant_joined"], counts["round_started"]
    _over(people, "people (joins)", "people")
    _over(rounds, "rounds", "rounds")
    _over(people * rounds, "places in rounds' lineups (people times rounds)", "lineup")
    teams += counts["team_added"]
    if teams > MAX_TEAMS:
        raise TooBig(f"The archive holds {teams:,} teams; a workshop has at most {MAX_TEAMS}.")
    cards = doc.get("scenarios")
    _over(len(cards) if isinstance(cards, list) else 0, "scenario cards", "cards")


def _check_nesting_and_text(doc: Any) -> None:
    """One pass without recursion: nothing nested deeper than a real archive, and every string
    (keys included) passes the socket's text rule. The rule is about single characters, so a
    container's strings are checked joined together: one search per container, not per string."""
    deepest = limits()["depth"]
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            raise TooBig(f"The archive is nested more than {deepest} levels deep.")
        texts = []
        if isinstance(item, dict):
            texts.extend(item)
            item = item.values()
        for value in item:
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, dict | list):
                stack.append((value, depth + 1))
        if not is_clean("".join(texts)):
            raise TooBig(f"The archive holds text the game refuses: {BAD_TEXT} {_where(doc)}")


def _where(doc: Any) -> str:
    """Where the first refused string is (found again, with paths, only once one is found)."""
    stack: list[tuple[Any, str]] = [(doc, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if not is_clean(key):
                    return f"(a key in {path or 'the document'})"
                stack.append((value, f"{path}.{key}" if path else key))
        elif isinstance(item, list):
            stack.extend((value, f"{path}[{n}]") for n, value in enumerate(item))
        elif isinstance(item, str) and not is_clean(item):
            return f"(at {path})"
    return ""
