"""One object per running event loop: a server has one loop, the tests run one after another."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def one_per_loop(make: Callable[[asyncio.AbstractEventLoop], T]) -> Callable[[], T]:
    """A getter of ``make(loop)`` for the running loop, made anew when the loop changes."""
    held: list = [None, None]  # the loop, and what was made for it

    def get() -> T:
        loop = asyncio.get_running_loop()
        if held[0] is not loop:
            held[:] = [loop, make(loop)]
        return held[1]

    return get
