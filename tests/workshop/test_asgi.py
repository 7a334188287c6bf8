"""The server process's runtime: tuned for thousands of sockets before it serves any."""

import json
import subprocess

from tests.servers import PYTHON, ROOT, server_env

PROBE = (
    "import gc, json, sys, workshop.asgi; "
    "print(json.dumps([gc.get_freeze_count(), gc.get_threshold(), sys.getswitchinterval()]))"
)


def runtime(tmp_path, **env: str) -> list:
    result = subprocess.run(
        [str(PYTHON), "-c", PROBE],
        cwd=ROOT, env=server_env(UPSERVE_VAR_DIR=str(tmp_path), **env), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_start_up_objects_are_never_scanned_again_and_collections_are_rare(tmp_path):
    frozen, thresholds, switch = runtime(tmp_path)
    assert frozen > 10_000  # Django, the project and their modules
    assert thresholds[0] >= 10_000  # young objects counted in tens of thousands (700 by default)
    assert switch < 0.005  # the database thread gets the GIL back sooner than every 5 ms


def test_an_operator_can_tune_the_collector_and_the_switch_interval(tmp_path):
    _, thresholds, switch = runtime(tmp_path, GC_THRESHOLDS="700,10,10", GIL_SWITCH_SECONDS="0.005")
    assert (thresholds, switch) == ([700, 10, 10], 0.005)


def test_an_operator_can_switch_the_tuning_off(tmp_path):
    frozen, thresholds, switch = runtime(tmp_path, UPSERVE_TUNING="0", GC_THRESHOLDS="2000,15,12")
    assert (frozen, switch) == (0, 0.005)  # as Python starts
    assert thresholds != [2000, 15, 12]
