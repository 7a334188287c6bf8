"""The interpreter's settings for a server process holding thousands of sockets, in one place.

``apply()`` is called once by workshop/asgi.py, after everything the server needs is imported.
Each knob is an environment variable; ``UPSERVE_TUNING=0`` leaves the interpreter as Python
starts it (to compare, or to rule the tuning out when something looks wrong).

Measured together at production 5,000 (bench/README.md, "What changed"; run 20261124-101644,
commit 7f70d74, with the hand-out queue yielding every 100 sockets and the fold lock taken after
the workshop row): vote ack p95 342 -> 163 ms, vote -> screen p95 396 -> 213 ms.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping

# Full collections scan every object: with thousands of sockets they paused a process for
# 100-435 ms, several times a minute while a room voted, and every acknowledgement waiting paid
# it. With these thresholds (young objects counted in tens of thousands, not 700, before a pass)
# and what start-up loaded frozen out of every scan: two full passes in a whole benchmark run
# instead of dozens.
GC_THRESHOLDS = "50000,20,20"

# The group commit's database thread waits on PostgreSQL several times per transaction, and after
# each reply waits for the GIL, which the event loop (sending to thousands of sockets) gives up
# only every switch interval: 5 ms by default, so a commit held the workshop's row (and every
# other process waiting for it) tens of milliseconds longer than its queries took.
GIL_SWITCH_SECONDS = "0.001"


def apply(environ: Mapping[str, str] = os.environ) -> bool:
    """Tune the collector and the GIL switch interval from ``environ``; False when
    ``UPSERVE_TUNING`` switches it all off."""
    switch = (environ.get("UPSERVE_TUNING") or "1").strip().lower()
    if switch not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        raise ValueError(f"UPSERVE_TUNING must be true or false, not {switch!r}")
    if switch in {"0", "false", "no", "off"}:
        return False
    sys.setswitchinterval(float(environ.get("GIL_SWITCH_SECONDS") or GIL_SWITCH_SECONDS))
    thresholds = environ.get("GC_THRESHOLDS") or GC_THRESHOLDS
    gc.set_threshold(*(int(n) for n in thresholds.split(",")))
    # Django, the project and every module loaded so far stay for good: never scanned again.
    gc.freeze()
    return True
