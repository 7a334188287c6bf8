"""Receipts: a retry is answered once, but refusals do not pile up rows for ever."""

import pytest

from game import service
from game.core import commands as c
from game.core.model import Answer, participant
from game.models import Receipt

pytestmark = pytest.mark.django_db
YES = Answer.YES


def submit(workshop, actor, command, client_id):
    return service.submit(
        workshop_id=workshop.pk, actor=actor, command=command, client_id=client_id
    )


def refused_ids(workshop, actor_key):
    rows = Receipt.objects.filter(workshop=workshop, actor=actor_key, refused=True)
    return list(rows.order_by("pk").values_list("client_id", flat=True))


def test_a_sender_keeps_only_its_newest_refused_receipts(workshop, settings):
    settings.UPSERVE_REFUSED_RECEIPTS_PER_SENDER = 3
    alice = participant("alice")
    assert submit(workshop, alice, c.Join("Alice"), "join").ok
    for n in range(10):  # no round yet: every vote is refused
        assert not submit(workshop, alice, c.CastVote("t1", YES, YES), f"vote-{n}").ok
    assert refused_ids(workshop, "participant:alice") == ["vote-7", "vote-8", "vote-9"]
    # The receipt of what was applied stays.
    assert Receipt.objects.filter(workshop=workshop, client_id="join", refused=False).exists()


def test_a_recent_refusal_is_still_answered_from_its_receipt(workshop, settings):
    settings.UPSERVE_REFUSED_RECEIPTS_PER_SENDER = 3
    alice = participant("alice")
    for n in range(5):
        submit(workshop, alice, c.CastVote("t1", YES, YES), f"vote-{n}")
    newest = submit(workshop, alice, c.CastVote("t1", YES, YES), "vote-4")
    oldest = submit(workshop, alice, c.CastVote("t1", YES, YES), "vote-0")
    assert newest.duplicate and not oldest.duplicate  # forgotten: decided afresh


def test_one_senders_refusals_never_prune_anothers(workshop, settings):
    settings.UPSERVE_REFUSED_RECEIPTS_PER_SENDER = 2
    alice, bob = participant("alice"), participant("bob")
    submit(workshop, bob, c.CastVote("t1", YES, YES), "bob-1")
    for n in range(5):
        submit(workshop, alice, c.CastVote("t1", YES, YES), f"alice-{n}")
    assert refused_ids(workshop, "participant:bob") == ["bob-1"]
    assert refused_ids(workshop, "participant:alice") == ["alice-3", "alice-4"]
