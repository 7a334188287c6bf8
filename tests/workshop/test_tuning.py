"""The interpreter's tuning for a server process: each knob from its variable, all of it off with
UPSERVE_TUNING=0. The interpreter of the test run is put back as it was after each test."""

import gc
import sys

import pytest

from workshop import tuning


@pytest.fixture(autouse=True)
def interpreter():
    thresholds, switch, frozen = gc.get_threshold(), sys.getswitchinterval(), gc.get_freeze_count()
    gc.set_threshold(700, 10, 10)
    sys.setswitchinterval(0.005)
    yield
    if not frozen:
        gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(switch)


def test_it_collects_rarely_freezes_start_up_and_switches_threads_every_millisecond():
    assert tuning.apply({}) is True
    assert gc.get_threshold() == (50_000, 20, 20)
    assert gc.get_freeze_count() > 0
    assert sys.getswitchinterval() == pytest.approx(0.001)


def test_it_takes_the_thresholds_and_the_switch_interval_from_the_environment():
    tuning.apply({"GC_THRESHOLDS": "2000,15,12", "GIL_SWITCH_SECONDS": "0.002"})
    assert gc.get_threshold() == (2000, 15, 12)
    assert sys.getswitchinterval() == pytest.approx(0.002)


@pytest.mark.parametrize("off", ["0", "false", "off"])
def test_it_leaves_the_interpreter_alone_when_tuning_is_switched_off(off):
    frozen = gc.get_freeze_count()
    assert tuning.apply({"UPSERVE_TUNING": off, "GC_THRESHOLDS": "2000,15,12"}) is False
    assert gc.get_threshold() == (700, 10, 10)
    assert sys.getswitchinterval() == pytest.approx(0.005)
    assert gc.get_freeze_count() == frozen


def test_it_refuses_a_switch_it_cannot_read():
    with pytest.raises(ValueError, match="UPSERVE_TUNING"):
        tuning.apply({"UPSERVE_TUNING": "maybe"})
    assert gc.get_threshold() == (700, 10, 10)
