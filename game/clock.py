"""The server's clock, read once per command. Tests swap in a frozen one."""

from __future__ import annotations

import time


class SystemClock:
    def now(self) -> float:
        return time.time()


class FrozenClock:
    def __init__(self, at: float = 1_800_000_000.0) -> None:
        self.at = at

    def now(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


clock: SystemClock | FrozenClock = SystemClock()


def now() -> float:
    return clock.now()
