"""The one rule for text that comes in from outside (a socket's frame, an imported archive).

C0 controls but tab, newline and carriage return; DEL; lone UTF-16 surrogates. None of them can be
shown, and some cannot be stored (NUL in PostgreSQL) or even sent back (surrogates), so a page
that lists them would fail for everyone who opens it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from game.core.refusals import ErrorCode, sentence

BAD_TEXT = sentence(ErrorCode.BAD_TEXT)  # the registry's sentence, for forms and archives

_UNCLEAN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_clean(text: str) -> bool:
    return _UNCLEAN.search(text) is None


def strings(body: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, keys included, without recursion (nesting is free)."""
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def all_clean(body: Any) -> bool:
    return all(is_clean(text) for text in strings(body))
