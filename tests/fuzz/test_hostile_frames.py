"""Hostile frames against the real consumer, for every role, with the game moving underneath.

For each role (facilitator, participant, screen, and a connection that never said hello) one
connection receives at least ``UPSERVE_FUZZ_FRAMES`` (default 10 000) generated frames, in batches,
mixed with valid commands that take the game through its rounds and phases. Every frame must get
exactly one well-formed reply, the connection must survive, and afterwards the stored log must be
gapless, fold to the live state and hold only fair votes. See ``harness.py`` for the checks.

Reproducible by default (a fixed seed per role). ``UPSERVE_FUZZ_SEED=random`` explores new
ground; ``UPSERVE_FUZZ_FRAMES`` scales the run; ``UPSERVE_FUZZ_SHRINK=1`` lets Hypothesis shrink
a failing batch (slow: the harness already names the failing frame and replays it alone).
"""

from __future__ import annotations

import math
import os
import random
import zlib

import pytest
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings

from tests.fuzz.frames import batches
from tests.fuzz.harness import Harness, check_invariants

pytestmark = pytest.mark.django_db(transaction=True)

FRAMES_PER_ROLE = int(os.environ.get("UPSERVE_FUZZ_FRAMES", "10000"))
BATCH = 40  # hostile frames per batch (valid driving commands come on top)
MAX_DRIVES = 8
AFTER_THE_END = 10  # batches sent once the workshop has ended
_SEED = os.environ.get("UPSERVE_FUZZ_SEED", "1")
BASE_SEED = random.randrange(2**32) if _SEED == "random" else int(_SEED)
PHASES = [Phase.explicit, Phase.generate] + (
    [Phase.shrink] if os.environ.get("UPSERVE_FUZZ_SHRINK") else []
)


@pytest.fixture
def unthrottled(settings):
    """A per-seat rate limit would turn most frames into rate_limited, and the hello deadline
    would close the anonymous connection mid-run: lift them (tests/game/test_socket_limits.py
    tests both)."""
    settings.UPSERVE_MESSAGES_PER_SECOND = 10**9
    settings.UPSERVE_MESSAGE_BURST = 10**9
    settings.UPSERVE_HELLO_SECONDS = 10**6


def fuzz(harness: Harness, examples: int, seed_value: int) -> None:
    @seed(seed_value)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        # The harness names the failing frame and replays it alone; shrinking a stateful run
        # (the game has moved on) is slow and rarely better. UPSERVE_FUZZ_SHRINK=1 turns it on.
        phases=PHASES,
    )
    @given(batches(BATCH, MAX_DRIVES))
    def one_batch(items: list) -> None:
        harness.run_batch(items)

    one_batch()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("role", ["facilitator", "participant", "screen", "anonymous"])
def test_hostile_frames_never_break_the_consumer_or_the_log(role, workshop, fiona, unthrottled):
    harness = Harness(workshop, fiona, role)
    role_seed = BASE_SEED + zlib.crc32(role.encode())
    try:
        harness.run(harness.start())
        fuzz(harness, math.ceil(FRAMES_PER_ROLE / BATCH), role_seed)
        harness.run(harness.end_workshop())
        fuzz(harness, AFTER_THE_END, role_seed + 1)
    except BaseException as problem:
        problem.add_note(
            f"To replay this run: UPSERVE_FUZZ_SEED={BASE_SEED} ({role} runs {role_seed})"
        )
        raise
    finally:
        harness.close()
    stats = check_invariants(workshop.pk)
    print(
        f"\n{role} (seed {role_seed}): {harness.hostile} hostile frames, {harness.drives} driving "
        f"commands, replies {harness.replies}, log {stats}"
    )
    assert harness.hostile >= FRAMES_PER_ROLE
    assert stats["rounds"] >= 1, "the driving commands never finished a round"


# -- the smallest frames the fuzzer found to break something ------------------------------------
# Each is sent alone on a fresh connection of the role, through the same checks as the fuzzer.

S = "\\ud800"  # a lone surrogate as a client sends it: a JSON escape, the frame itself is ASCII


@pytest.mark.parametrize(
    ("role", "frame", "allowed"),
    [
        pytest.param("facilitator", "[" * 1000, {"bad_json"}, id="json-nested-1000-deep"),
        pytest.param(
            "anonymous",
            f'{{"type": "hello", "protocol": 1, "role": "screen", "token": "{S}"}}',
            {"auth_failed", "bad_json", "invalid_field", "bad_text"},
            id="screen-key-with-a-lone-surrogate",
        ),
        pytest.param(
            "anonymous",
            f'{{"type": "hello", "protocol": 1, "role": "participant", "token": "x:{S}"}}',
            {"auth_failed", "bad_json", "invalid_field", "bad_text"},
            id="seat-token-with-a-lone-surrogate",
        ),
        pytest.param(
            "facilitator",
            f'{{"type": "advance", "id": "{S}"}}',
            {"bad_id", "bad_json", "bad_text"},
            id="command-id-with-a-lone-surrogate",
        ),
        pytest.param(
            "screen",
            f'{{"type": "launch_rockets", "id": "{S}"}}',
            {"unknown_type", "bad_id", "bad_json", "bad_text"},
            id="error-echoing-a-lone-surrogate",
        ),
        pytest.param(
            "participant",
            f'{{"type": "rename", "id": "r1", "nickname": "{S}"}}',
            {"invalid_field", "bad_json", "nickname_invalid", "bad_text"},
            id="nickname-with-a-lone-surrogate",
        ),
        pytest.param(
            "facilitator",
            f'{{"type": "configure", "id": "c1", "settings": {{"{S}": null}}}}',
            {"invalid_field", "bad_json", "bad_text"},
            id="settings-key-with-a-lone-surrogate",
        ),
        pytest.param(
            "participant",
            '{"type": "rename", "id": "r2", "nickname": "a\\u0000b"}',
            {"invalid_field", "bad_json", "nickname_invalid", "bad_text"},
            id="nickname-with-nul",
        ),
    ],
)
def test_a_hostile_frame_found_by_the_fuzzer(role, frame, allowed, workshop, fiona, unthrottled):
    harness = Harness(workshop, fiona, role)
    try:
        harness.run(harness.start())
        reply = harness.run(harness.fuzz(harness.fuzzed, frame))
        harness.run(harness.settle())
    finally:
        harness.close()
    check_invariants(workshop.pk)
    assert reply["type"] in ("error", "refused") and reply["code"] in allowed, reply


def test_a_settings_value_is_checked_in_bounded_time(workshop, fiona, unthrottled):
    """Fraction("1e-10000000") builds 10**10000000 (seconds of CPU; one more digit in the
    exponent takes minutes and hundreds of MB) inside the workshop's locked transaction: such
    values must be refused by their shape."""
    harness = Harness(workshop, fiona, "facilitator")
    frame = '{"type": "configure", "id": "slow", "settings": {"yes_value": "1e-10000000"}}'
    try:
        harness.run(harness.start())
        reply = harness.run(harness.fuzz(harness.fuzzed, frame))
        harness.run(harness.settle())
    finally:
        harness.close()
    # Refused by its shape before anything parses the number (behaviour, not a stopwatch).
    assert (reply["type"], reply["code"]) == ("refused", "settings_invalid"), reply
