"""Every workshop has its game's row (the lock, the log's end, the next deadline), however it was
made, and a database from before the row keeps its workshops' place in their logs."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from game import service
from game.core import commands as c
from game.core.model import FACILITATOR
from game.models import Game
from workshop import room_codes, rooms
from workshop.models import Workshop
from workshop.views import seat_cookie, seat_in

BEFORE = [("game", "0003_receipt_refused"), ("workshop", "0005_workshop_replay_token")]
AFTER = [("game", "0004_game"), ("workshop", "0006_game_row_holds_the_log_end")]


@pytest.mark.django_db
def test_a_new_workshop_gets_its_game_row_at_the_end_of_its_log(workshop):
    assert Game.objects.values_list("last_seq", "deadline").get(pk=workshop.pk) == (1, None)
    assert workshop.game.last_seq == 1


@pytest.mark.django_db
def test_a_phones_page_reads_the_room_and_where_its_log_ends_in_one_query(
    workshop, rf, django_assert_num_queries
):
    outcome, token = rooms.participant_join(workshop=workshop, nickname="Alice")
    request = rf.get("/")
    request.COOKIES[seat_cookie(workshop)] = token
    with django_assert_num_queries(1):  # the fold is current, as the game row read with it says
        assert seat_in(request, workshop.code) == (
            workshop,
            outcome.logged[0].event.data["participant"],
        )


@pytest.mark.django_db
def test_a_newcomers_code_finds_the_room_and_where_its_log_ends_in_one_query(
    workshop, rf, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert room_codes.find(rf.get("/"), workshop.code, []).workshop == workshop


@pytest.mark.django_db
def test_a_workshop_saved_by_hand_gets_an_empty_game_and_keeps_it_when_saved_again(fiona):
    room = Workshop(owner=fiona, title="By hand")
    room.save()
    room.title = "Renamed"
    room.save()
    assert Game.objects.filter(pk=room.pk).count() == 1
    assert Game.objects.get(pk=room.pk).last_seq == 0


@pytest.mark.django_db
def test_a_workshop_added_in_the_admin_gets_its_game_row(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x" * 12)
    client.force_login(root)
    answer = client.post(
        "/admin/workshop/workshop/add/",
        {"title": "From the admin", "owner": root.pk, "plan": "[]", "replay_token": ""},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    room = Workshop.objects.get(title="From the admin")
    assert Game.objects.filter(pk=room.pk).exists()
    listing = client.get("/admin/workshop/workshop/")
    assert listing.status_code == 200 and b"From the admin" in listing.content


@pytest.mark.django_db
def test_a_deleted_workshop_takes_its_game_row_with_it(workshop):
    workshop.delete()
    assert not Game.objects.exists()


@pytest.mark.django_db
def test_the_row_follows_the_log_and_the_running_deadline(workshop, frozen_clock):
    service.submit(
        workshop_id=workshop.pk,
        actor=FACILITATOR,
        command=c.StartRound({"title": "t", "customer": "c", "situation": "s", "ask": "a"}),
    )
    service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=c.Advance(), now=5000.0)
    game = Game.objects.get(pk=workshop.pk)
    assert (game.last_seq, game.deadline) == (service.read_state(workshop.pk).seq, 5180.0)
    assert list(Game.objects.filter(deadline__lte=5180.0).values_list("pk", flat=True)) == [
        workshop.pk
    ]


def _migrate(targets: list[tuple[str, str]]):
    """Migrate the test database to ``targets``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_migrating_copies_each_played_workshops_place_in_its_log_and_back():
    old = _migrate(BEFORE)
    try:
        owner = old.get_model("auth", "User").objects.create(username="olga")
        rooms = old.get_model("workshop", "Workshop").objects
        played = rooms.create(owner=owner, title="Played", code="PLAYED", last_seq=42)
        running = rooms.create(
            owner=owner, title="Running", code="RUNNING", last_seq=7, deadline=1767261800.5
        )
        fresh = rooms.create(owner=owner, title="Fresh", code="FRESH")

        new = _migrate(AFTER)
        games = new.get_model("game", "Game").objects
        assert dict(games.values_list("pk", "last_seq")) == {
            played.pk: 42,
            running.pk: 7,
            fresh.pk: 0,
        }
        assert list(games.exclude(deadline=None).values_list("pk", "deadline")) == [
            (running.pk, 1767261800.5)
        ]
        games.filter(pk=played.pk).update(last_seq=43)  # played on after the upgrade

        back = _migrate(BEFORE)
        rows = back.get_model("workshop", "Workshop").objects
        assert dict(rows.values_list("pk", "last_seq")) == {
            played.pk: 43,
            running.pk: 7,
            fresh.pk: 0,
        }
        assert rows.get(pk=running.pk).deadline == 1767261800.5
    finally:
        _migrate(_latest())


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("game", "workshop")]
