"""Fixed-window counters in Django's cache: cheap, shared between processes through Redis."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from game import clock


def allow(key: str, limit: tuple[int, int]) -> bool:
    """Count one more hit on ``key``; False once ``count`` hits fall in one ``seconds`` window."""
    count, seconds = limit
    window = int(clock.now() // seconds)
    bucket = f"throttle:{key}:{window}"
    cache.add(bucket, 0, timeout=seconds * 2)
    try:
        return cache.incr(bucket) <= count
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=seconds * 2)
        return True


def client_address(request: HttpRequest) -> str:
    # Behind nginx, Daphne's --proxy-headers puts the forwarded client address here.
    return request.META.get("REMOTE_ADDR") or "unknown"
