"""Looking a room up by the code a visitor brings: one answer and one throttle for every code.

Every page that takes a room code from a visitor without a seat (the landing form, the join page,
the nickname suggestion, the QR code, the debrief's JSON) asks here. A code that names no running
room, names an ended one, or comes from a banned device is a *miss*: each address has a budget of
misses a minute, and once it is spent that address's lookups of codes it has not already found are
refused, real or not, so the refusal tells a guesser nothing. Codes an address did find stay open
to it: the phones of a venue that share one address keep joining their room while a guesser
behind the same address is held back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from game.ratelimit import address_key
from workshop import rooms, throttle
from workshop.models import CODE_ALPHABET, CODE_LENGTH, Workshop

# How long an address that found a room keeps it open past a spent miss budget: a workshop's
# length, renewed at every hit.
FOUND_SECONDS = 4 * 60 * 60


@dataclass(frozen=True)
class Lookup:
    workshop: Workshop | None = None
    throttled: bool = False
    refusal: str | None = None  # why a newcomer may not join the found room: joining_locked


def _possible(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def find(request: HttpRequest, code: str, devices: list[str]) -> Lookup:
    """The running room ``code`` names, as a newcomer on ``devices`` may see it. A locked room is
    found (with ``refusal``), so a late arrival is told why; an ended room or a banned device
    is a miss, like a wrong code."""
    code = code.upper()
    address = address_key(throttle.client_address(request))
    misses = settings.UPSERVE_CODE_MISSES_PER_ADDRESS
    found_key = f"found:{address}:{code}" if _possible(code) else None
    if throttle.spent(f"miss:{address}", misses) and not (found_key and throttle.known(found_key)):
        return Lookup(throttled=True)
    workshop = (
        Workshop.objects.select_related("game").filter(code=code).first() if found_key else None
    )
    if workshop is not None:
        refusal = rooms.newcomer_refusal(workshop, devices)
        if refusal in (None, "joining_locked"):
            throttle.remember(found_key, FOUND_SECONDS)
            return Lookup(workshop=workshop, refusal=refusal)
    throttle.allow(f"miss:{address}", misses)
    return Lookup()


def miss(request: HttpRequest) -> Lookup:
    """Count a lookup that found nothing it may show (a debrief without a seat) and answer it."""
    address = address_key(throttle.client_address(request))
    misses = settings.UPSERVE_CODE_MISSES_PER_ADDRESS
    if throttle.spent(f"miss:{address}", misses):
        return Lookup(throttled=True)
    throttle.allow(f"miss:{address}", misses)
    return Lookup()
