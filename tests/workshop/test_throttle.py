"""The fixed-window counters behind the join and room-code limits."""

import contextvars
import threading

import pytest
import redis

from tests.servers import redis_server
from workshop import throttle

LIMIT = (3, 60)


@pytest.fixture
def fresh_counters():
    throttle._counters.cache_clear()
    yield
    throttle._counters.cache_clear()


def test_it_allows_as_many_hits_as_the_limit_in_a_window(fresh_counters, frozen_clock):
    assert [throttle.allow("join:10.0.0.1", LIMIT) for _ in range(5)] == [True] * 3 + [False] * 2


def test_a_new_window_starts_counting_afresh(fresh_counters, frozen_clock):
    for _ in range(4):
        throttle.allow("join:10.0.0.1", LIMIT)
    frozen_clock.advance(60)
    assert throttle.allow("join:10.0.0.1", LIMIT)


def test_each_key_has_its_own_count(fresh_counters, frozen_clock):
    for _ in range(4):
        throttle.allow("join:10.0.0.1", LIMIT)
    assert throttle.allow("join:10.0.0.2", LIMIT)


def test_requests_in_their_own_contexts_and_threads_share_one_redis_connection(
    fresh_counters, frozen_clock, settings
):
    """Django's ``cache`` is one per request context under ASGI: counting with it opened a
    Redis connection per request. Every request, in whatever thread, now counts through one."""
    with redis_server() as url:
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        answers = [throttle.allow("join:w1", (100, 60))]  # the server's first request

        def request() -> None:
            answers.append(throttle.allow("join:w1", (100, 60)))

        for _ in range(5):
            threads = [
                threading.Thread(target=contextvars.Context().run, args=(request,))
                for _ in range(4)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        server = redis.Redis.from_url(url)
        # A connection per thread counting at once and this one asking, not one per request.
        assert server.info("stats")["total_connections_received"] <= 6
        assert answers == [True] * 21
        assert throttle.allow("join:w1", (21, 60)) is False
