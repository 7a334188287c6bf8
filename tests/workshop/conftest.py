import pytest

from .played import play


@pytest.fixture
def played(workshop, frozen_clock):
    """The small workshop of played.py, played to its end (a test module with a game of its own
    defines its own ``played``)."""
    play(workshop, frozen_clock)
    return workshop
