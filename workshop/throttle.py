"""Fixed-window counters in Django's cache: cheap, shared between processes through Redis."""

from __future__ import annotations

import functools

from django.core.cache import BaseCache, caches
from django.http import HttpRequest

from game import clock


@functools.cache
def _counters() -> BaseCache:
    """One cache client for the whole process. Django's ``cache`` is one per request context
    under ASGI, so with Redis every request would open a connection of its own: a tenth of a
    join's time when thousands of phones join at once."""
    return caches.create_connection("default")


def allow(key: str, limit: tuple[int, int]) -> bool:
    """Count one more hit on ``key``; False once ``count`` hits fall in one ``seconds`` window."""
    count, seconds = limit
    window = int(clock.now() // seconds)
    bucket = f"throttle:{key}:{window}"
    counters = _counters()
    try:
        return counters.incr(bucket) <= count
    except ValueError:  # the window's first hit (or it expired just now)
        if counters.add(bucket, 1, timeout=seconds * 2):
            return count >= 1
        return counters.incr(bucket) <= count  # someone else's first hit came in between


def client_address(request: HttpRequest) -> str:
    # Behind nginx, Daphne's --proxy-headers puts the forwarded client address here.
    return request.META.get("REMOTE_ADDR") or "unknown"
