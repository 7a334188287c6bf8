"""Limits on sockets and messages, kept in this process's memory: nothing here reads the
database, so they cost nothing per message.

A token bucket per seat (shared by every socket of one participant, facilitator or screen on
this process) bounds how fast one seat may send; counts of open sockets bound how many one
network address and one seat may hold at once.
"""

from __future__ import annotations

import ipaddress
import time
from collections import Counter
from collections.abc import Callable, Hashable

from django.conf import settings


class TokenBucket:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def full(self) -> bool:
        return self.tokens + (self.clock() - self.updated) * self.rate >= self.burst


def message_bucket() -> TokenBucket:
    return TokenBucket(settings.UPSERVE_MESSAGES_PER_SECOND, settings.UPSERVE_MESSAGE_BURST)


Seat = tuple[int, str]  # (workshop id, whose seat: "participant:<id>", "facilitator:<pk>", …)


class Sockets:
    """This process's open sockets, by client address and by seat, and each seat's bucket."""

    # Forgotten buckets of seats with no socket are swept every this many departures.
    SWEEP_EVERY = 1000

    def __init__(self) -> None:
        self.by_address: Counter[str] = Counter()
        self.by_seat: dict[Seat, dict[Hashable, None]] = {}  # in the order they said hello
        self.buckets: dict[Seat, TokenBucket] = {}
        self.departures = 0

    def open(self, address: str | None) -> bool:
        """Count a new socket from ``address``; False (and not counted) if it has too many."""
        if address is None:
            return True
        if self.by_address[address] >= settings.UPSERVE_SOCKETS_PER_ADDRESS:
            return False
        self.by_address[address] += 1
        return True

    def close(self, address: str | None) -> None:
        if address is None:
            return
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]

    def sit(self, seat: Seat, socket: Hashable) -> tuple[TokenBucket, list]:
        """Add ``socket`` to its seat: the seat's shared bucket, and the seat's oldest sockets
        beyond the cap, which the caller must close (a phone that switched networks leaves a
        half-open socket behind: the newest connection is the one that matters)."""
        members = self.by_seat.setdefault(seat, {})
        members[socket] = None
        bucket = self.buckets.get(seat)
        if bucket is None:
            bucket = self.buckets[seat] = message_bucket()
        over = len(members) - settings.UPSERVE_SOCKETS_PER_SEAT
        return bucket, list(members)[:over] if over > 0 else []

    def leave(self, seat: Seat, socket: Hashable) -> None:
        members = self.by_seat.get(seat)
        if members is not None:
            members.pop(socket, None)
            if not members:
                del self.by_seat[seat]
        # A seat's bucket outlives its sockets until it has filled up again, or closing and
        # reopening a socket would be a way to a fresh burst.
        self.departures += 1
        if self.departures % self.SWEEP_EVERY == 0:
            self.sweep()

    def forget(self) -> None:
        """Start afresh (tests: a new server process)."""
        self.__init__()

    def sweep(self) -> None:
        for seat in [s for s, b in self.buckets.items() if s not in self.by_seat and b.full()]:
            del self.buckets[seat]


sockets = Sockets()


def address_key(address: str) -> str:
    """What a per-address limit counts: the address, or its /64 for IPv6, since one machine is
    commonly handed a whole /64 and could otherwise take a fresh address for every try."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
