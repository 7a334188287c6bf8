"""Plain statements write exactly what the ORM would, field by field."""

import pytest

from game.models import Event, Game
from game.rows import insert_many, update_many
from workshop.models import Workshop

pytestmark = pytest.mark.django_db


def test_inserted_rows_read_back_as_the_orm_wrote_them(workshop):
    data = {"nickname": "Zoë 👩‍👩‍👧", "nested": [1, {"quote": 'say "hi"'}], "none": None}
    insert_many(Event, ("workshop", "seq", "type", "data", "recorded_at"), [
        (workshop.pk, 2, "participant_joined", data, 1767261778.25),
        (workshop.pk, 3, "phase_changed", {}, 1767261779.0),
    ])  # fmt: skip
    rows = Event.objects.filter(workshop=workshop, seq__gt=1).order_by("seq")
    assert [(r.seq, r.type, r.data, r.recorded_at) for r in rows] == [
        (2, "participant_joined", data, 1767261778.25),
        (3, "phase_changed", {}, 1767261779.0),
    ]


def test_updated_rows_take_their_new_values_and_the_others_keep_theirs(workshop, fiona):
    other = Workshop.objects.create(owner=fiona, title="Untouched")
    update_many(Game, ("last_seq", "deadline"), [(7, 1767261800.5, workshop.pk)])
    assert Game.objects.values_list("last_seq", "deadline").get(pk=workshop.pk) == (
        7,
        1767261800.5,
    )
    update_many(Game, ("last_seq", "deadline"), [(8, None, workshop.pk)])
    assert Game.objects.get(pk=workshop.pk).deadline is None
    assert Game.objects.get(pk=other.pk).last_seq == 0


def test_nothing_to_write_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_many(Event, ("seq",), [])
        update_many(Game, ("last_seq",), [])


def test_more_rows_than_one_statement_may_carry_all_arrive(workshop, monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 3)
    rows = [(workshop.pk, seq, "phase_changed", {"n": seq}, 1.0) for seq in range(2, 10)]
    insert_many(Event, ("workshop", "seq", "type", "data", "recorded_at"), rows)
    stored = Event.objects.filter(workshop=workshop, seq__gt=1).order_by("seq")
    assert [(e.seq, e.data) for e in stored] == [(seq, {"n": seq}) for seq in range(2, 10)]
