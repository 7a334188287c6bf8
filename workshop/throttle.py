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


def _bucket(key: str, seconds: int) -> str:
    return f"throttle:{key}:{int(clock.now() // seconds)}"


def allow(key: str, limit: tuple[int, int]) -> bool:
    """Count one more hit on ``key``; False once ``count`` hits fall in one ``seconds`` window."""
    count, seconds = limit
    bucket = _bucket(key, seconds)
    counters = _counters()
    try:
        return counters.incr(bucket) <= count
    except ValueError:  # the window's first hit (or it expired just now)
        if counters.add(bucket, 1, timeout=seconds * 2):
            return count >= 1
        return counters.incr(bucket) <= count  # someone else's first hit came in between


def spent(key: str, limit: tuple[int, int]) -> bool:
    """Whether ``key`` has already had its ``count`` hits in this window (counts nothing)."""
    count, seconds = limit
    return (_counters().get(_bucket(key, seconds)) or 0) >= count


def remember(key: str, seconds: int) -> None:
    _counters().set(f"known:{key}", 1, timeout=seconds)


def known(key: str) -> bool:
    return bool(_counters().get(f"known:{key}"))


def client_address(request: HttpRequest) -> str:
    """The address of the machine that sent the request. Behind deploy/nginx.conf this is the
    address nginx saw: nginx overwrites X-Forwarded-For with it and Daphne's --proxy-headers
    takes it from there. Whatever a client writes in that header itself never gets this far."""
    return request.META.get("REMOTE_ADDR") or "unknown"
