"""Unicode TR39 look-alike prototypes, rebuilt from the data of confusable-homoglyphs.

confusable-homoglyphs (pinned in pyproject.toml) ships Unicode's confusables.txt as a graph: each
line "source -> prototype" is stored in both directions, so it answers "is this confusable?" but
not "what is the skeleton?". The direction comes back from the graph's shape: confusables.txt
maps every source to one prototype, and prototypes are never sources, so each connected group is
a star whose centre is the prototype. A group of just two has no centre; either member serves as
the prototype (the lower code point is taken), since a skeleton is only ever compared with another.

``PROTOTYPES`` is generated from the installed package by ``bin/confusables-table`` (a test checks
it still matches); the core reads no file itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from .confusables_table import PROTOTYPES

__all__ = ["PROTOTYPES", "derive"]

# The package wraps right-to-left characters in LEFT-TO-RIGHT MARKs when it parses the file.
_WRAPPING = str.maketrans("", "", "\u200e\u200f")


def derive(graph: Mapping[str, Sequence[Mapping[str, str]]]) -> dict[str, str]:
    """Each confusable character mapped to its prototype, from the package's ``confusables_data``
    (``{character: [{"c": confusable, "n": name}, ...]}``)."""
    around: dict[str, set[str]] = defaultdict(set)
    for key, entries in graph.items():
        a = key.translate(_WRAPPING)
        for entry in entries:
            b = entry["c"].translate(_WRAPPING)
            if a and b and a != b:
                around[a].add(b)
                around[b].add(a)
    table: dict[str, str] = {}
    for node, neighbours in around.items():
        if len(node) != 1 or len(neighbours) != 1:
            continue  # a prototype (or a string the package took from the file's comments)
        (other,) = neighbours
        if len(around[other]) > 1 or len(other) > 1 or node > other:
            table[node] = other
    return dict(sorted(table.items()))
