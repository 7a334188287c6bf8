import pytest
from asgiref.sync import async_to_sync

from game import service, timers
from game.core import commands as c
from game.core.model import FACILITATOR

pytestmark = pytest.mark.django_db(transaction=True)

CARD = {"title": "t", "customer": "c", "situation": "s", "ask": "a"}


def test_a_pass_of_the_timer_closes_only_phases_that_are_due(workshop, frozen_clock):
    service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=c.StartRound(CARD))
    service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=c.Advance())
    frozen_clock.advance(179)
    assert async_to_sync(timers.close_due_phases)() == 0
    frozen_clock.advance(1)
    assert async_to_sync(timers.close_due_phases)() == 1
    assert service.read_state(workshop.pk).phase.value == "vote"


def test_after_a_restart_a_running_round_carries_on_with_its_timer(workshop, frozen_clock):
    service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=c.StartRound(CARD))
    service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=c.Advance())
    service.forget()  # the process died; its memory is gone, the log is not
    frozen_clock.advance(200)
    assert async_to_sync(timers.close_due_phases)() == 1
    assert service.read_state(workshop.pk).phase.value == "vote"
