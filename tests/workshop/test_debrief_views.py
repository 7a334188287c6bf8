"""The debrief pages: who may open them, and that they show the core's numbers."""

import pytest
from django.utils.html import escape

from game import service
from game.core import commands as c
from game.core.debrief import debrief
from game.core.model import participant
from tests.workshop.debrief_seed import play_two_rounds
from workshop.views import seat_cookie

pytestmark = pytest.mark.django_db


@pytest.fixture
def played(workshop):
    return play_two_rounds(workshop)


def test_the_facilitator_sees_every_rounds_numbers_and_the_prompt(client, fiona, workshop, played):
    client.force_login(fiona)
    page = client.get(f"/debrief/{workshop.code}/")
    assert page.status_code == 200
    report = debrief(service.read_state(workshop.pk))
    html = page.content.decode()
    for current in report["rounds"]:
        assert escape(f"Round {current['round']}: {current['title']}") in html
        assert current["prompt"] and escape(current["prompt"]) in html
        for move in current["moves"]:
            assert escape(move["text"]) in html
            assert f"{move['position']['x']}%" in html
    assert "Most improved: team" in html
    assert page.context["chart_data"]["standings"][-1]["totals"] == {
        row["team"]: row["total"] for row in report["standings"][-1]["rows"]
    }


def test_a_stranger_or_a_logged_out_visitor_cannot_open_the_debrief(
    client, django_user_model, workshop
):
    assert client.get(f"/debrief/{workshop.code}/").status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("mallory", password="x" * 12))
    assert client.get(f"/debrief/{workshop.code}/").status_code == 404
    assert client.get(f"/debrief/{workshop.code}/people/anyone/").status_code == 404


def test_the_facilitator_sees_commitments_and_the_participants_do_not_see_each_others(
    client, fiona, workshop, played
):
    alice = participant(played["Alice"]["id"])
    service.submit(workshop_id=workshop.pk, actor=alice, command=c.Commit("Listen <first>"))
    client.force_login(fiona)
    html = client.get(f"/debrief/{workshop.code}/").content.decode()
    assert "Listen &lt;first&gt;" in html and "<first>" not in html
    client.logout()
    client.cookies[seat_cookie(workshop)] = played["Bob"]["token"]
    bobs = client.get(f"/debrief/{workshop.code}/me.json").json()
    assert bobs["commitment"] is None
    assert "Listen" not in client.get(f"/debrief/{workshop.code}/me/").content.decode()


def test_a_phone_reads_its_own_teams_moves_and_votes(client, workshop, played):
    client.cookies[seat_cookie(workshop)] = played["Carol"]["token"]
    mine = client.get(f"/debrief/{workshop.code}/me.json").json()
    assert [r["move"] for r in mine["rounds"]] == ["Offer a bigger cup", "Ask what they need first"]
    assert [(v["q1"], v["q2"]) for r in mine["rounds"] for v in r["votes"]] == [
        ("yes", "unsure"),
        ("yes", "no"),
    ]
    page = client.get(f"/debrief/{workshop.code}/me/")
    assert page.status_code == 200 and "My debrief" in page.content.decode()


def test_a_phone_without_a_seat_is_sent_to_join(client, workshop, played):
    assert client.get(f"/debrief/{workshop.code}/me/").status_code == 302
    assert client.get(f"/debrief/{workshop.code}/me.json").status_code == 403


def test_the_facilitator_opens_one_participants_debrief(client, fiona, workshop, played):
    client.force_login(fiona)
    page = client.get(f"/debrief/{workshop.code}/people/{played['Dan']['id']}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Debrief for Dan" in html and "Push the loyalty card" in html
    assert client.get(f"/debrief/{workshop.code}/people/nobody/").status_code == 404


def test_a_workshop_without_scored_rounds_says_there_is_nothing_yet(client, fiona, workshop):
    client.force_login(fiona)
    assert "Nothing to debrief yet" in client.get(f"/debrief/{workshop.code}/").content.decode()
