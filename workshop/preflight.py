"""Refuse to start, in one line, when a configured service cannot be reached."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.conf import settings


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def check_services() -> None:
    import os

    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        import psycopg

        # Straight to the server, not through the pool, which would wait for its timeout.
        try:
            psycopg.connect(database_url, connect_timeout=3).close()
        except Exception as problem:
            first_line = str(problem).strip().splitlines()[0] if str(problem).strip() else ""
            sys.exit(
                f"upserve: cannot reach PostgreSQL at {_where(database_url)} (DATABASE_URL): {first_line}"
            )
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except Exception as problem:
            sys.exit(
                f"upserve: cannot reach Redis at {_where(settings.REDIS_URL)} (REDIS_URL): {problem}"
            )
