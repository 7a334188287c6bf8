"""The replay page holds the log in pieces: the page embeds the round's start, span and marks and
one bounded piece of events; a JSON endpoint hands out the next pieces, which together are the log
the projector saw."""

import json

import pytest
from django.conf import settings as django_settings

from game import service
from game.core import commands as c
from game.core.model import Role, participant
from game.core.replay import as_seen_by
from game.core.visibility import Viewer
from game.store import events_between
from tests.workshop.test_replay_views import played, served  # noqa: F401  (a fixture)
from workshop import replay_views
from workshop.models import Workshop

pytestmark = pytest.mark.django_db

REPLAY_PIECE = django_settings.UPSERVE_REPLAY_PIECE
CROWD = 2 * REPLAY_PIECE + 100


@pytest.fixture
def crowded(workshop):
    """A lobby of more joins than two pieces hold."""
    for n in range(CROWD):
        outcome = service.submit(
            workshop_id=workshop.pk, actor=participant(f"p{n}"), command=c.Join(f"Guest {n}")
        )
        assert outcome.ok, outcome.message
    return Workshop.objects.select_related("game").get(pk=workshop.pk)


def seen(workshop, first, last) -> list[dict]:
    """The segment's log as the screen saw it, without times."""
    log = as_seen_by(events_between(workshop.pk, first, last), Viewer(Role.SCREEN))
    return [{"seq": x.seq, "type": x.event.type, "data": x.event.data} for x in log]


def all_pieces(client, url: str, round_: int, after: int) -> list[list[dict]]:
    pieces = []
    while after is not None:
        answer = client.get(url, {"round": round_, "after": after})
        assert answer.status_code == 200
        body = answer.json()
        pieces.append(body["events"])
        after = body["next"]
    return pieces


def without_times(events: list[dict]) -> list[dict]:
    return [{k: x[k] for k in ("seq", "type", "data")} for x in events]


def test_the_replay_page_embeds_one_piece_of_a_long_round_not_the_whole_log(client, fiona, crowded):
    client.force_login(fiona)
    response = client.get(f"/replay/{crowded.code}/?round=0")
    data = served(response)
    assert (data["first"], data["last"]) == (1, crowded.game.last_seq)
    assert len(data["events"]) == REPLAY_PIECE
    assert data["next"] == REPLAY_PIECE
    assert f"Guest {CROWD - 1}" not in response.content.decode()
    # The timeline still spans and marks the whole round.
    assert len([m for m in data["marks"] if m["mark"] == "join"]) == CROWD
    assert data["pieces"] == f"/replay/{crowded.code}/events/"


def test_the_pieces_are_bounded_and_together_equal_the_log_the_screen_saw(client, fiona, crowded):
    client.force_login(fiona)
    data = served(client.get(f"/replay/{crowded.code}/?round=0"))
    pieces = all_pieces(client, data["pieces"], 0, data["next"])
    assert [len(p) for p in pieces] == [REPLAY_PIECE, CROWD + 1 - 2 * REPLAY_PIECE]
    log = data["events"] + [x for piece in pieces for x in piece]
    assert without_times(log) == seen(crowded, 1, crowded.game.last_seq)
    assert all(isinstance(x["at"], float) for x in log)


def test_pieces_stay_inside_the_round_asked_for(client, fiona, played, settings):  # noqa: F811
    settings.UPSERVE_REPLAY_PIECE = 4
    client.force_login(fiona)
    data = served(client.get(f"/replay/{played.code}/?round=1"))
    assert len(data["events"]) == 4
    pieces = all_pieces(client, data["pieces"], 1, data["next"])
    assert all(1 <= len(p) <= 4 for p in pieces)
    log = data["events"] + [x for piece in pieces for x in piece]
    assert without_times(log) == seen(played, data["first"], data["last"])
    # Asked from before the round or past its end: still only the round's own events.
    first = client.get(data["pieces"], {"round": 1, "after": 0}).json()
    assert first["events"][0]["seq"] == data["first"]
    past = client.get(data["pieces"], {"round": 1, "after": data["last"]}).json()
    assert (past["events"], past["next"]) == ([], None)


def test_the_pieces_need_the_replays_own_key(client, fiona, other_user, played):  # noqa: F811
    url = f"/replay/{played.code}/events/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    client.force_login(fiona)
    client.post(f"/replay/{played.code}/share/", {"action": "create"})
    token = Workshop.objects.get(pk=played.pk).replay_token
    shared = served(client.get(f"/replay/{played.code}/shared/{token}/?round=2"))
    client.logout()
    answer = client.get(shared["pieces"], {"round": 2, "after": 0})
    assert answer.status_code == 200 and answer["Referrer-Policy"] == "no-referrer"
    assert json.dumps(answer.json()["events"]) == json.dumps(shared["events"])
    assert client.get(f"/replay/{played.code}/shared/guess/events/").status_code == 404


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="oscar", password="another passphrase")


def test_a_round_with_more_marks_than_the_page_holds_marks_slices_of_its_timeline(
    client, fiona, crowded, monkeypatch
):
    monkeypatch.setattr(replay_views, "MARKS_EXACT", 10)
    client.force_login(fiona)
    data = served(client.get(f"/replay/{crowded.code}/?round=0"))
    marks = data["marks"]
    assert 0 < len(marks) <= replay_views.MARK_SLICES + 1
    assert {m["mark"] for m in marks} == {"join"}
    assert len({(m["mark"], m["left"]) for m in marks}) == len(marks)
    assert all(0 <= m["left"] <= 1 for m in marks)
