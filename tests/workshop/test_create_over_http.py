"""docs/protocol.md §2.4, followed by an outside client: log in, post the create form, read
the room code from the redirect and the screen key from the run console."""

import re

import pytest

from game import store
from workshop.models import Workshop

pytestmark = pytest.mark.django_db


def test_a_workshop_created_over_http_gives_its_code_in_the_redirect_and_its_screen_key_on_the_console(
    client, fiona
):
    login = client.post(
        "/accounts/login/", {"username": "fiona", "password": "correct horse battery"}
    )
    assert login.status_code == 302 and "sessionid" in client.cookies
    created = client.post("/console/", {"title": "Kickoff", "teams": "3"})
    assert created.status_code == 302
    code = re.fullmatch(r"/console/([A-Z2-9]+)/", created["Location"]).group(1)
    workshop = Workshop.objects.get(code=code)
    first = store.events_after(workshop.pk, 0, limit=1)[0]
    assert (first.seq, first.event.type) == (1, "workshop_created")
    assert [t["name"] for t in first.event.data["teams"]] == ["Amber", "Cobalt", "Coral"]
    run = client.get(created["Location"]).content.decode()
    link = re.search(r'id="open-screen" href="([^"]+)"', run).group(1).replace("&amp;", "&")
    assert link == f"/screen/{code}/?key={workshop.screen_token}"
    assert client.get(link).status_code == 200


def test_a_workshop_of_teams_of_a_set_size_starts_with_amber_and_cobalt(client, fiona):
    client.force_login(fiona)
    created = client.post("/console/", {"title": "T", "team_mode": "size", "team_size": "4"})
    workshop = Workshop.objects.get(code=created["Location"].split("/")[2])
    data = store.events_after(workshop.pk, 0, limit=1)[0].event.data
    assert data["teams"] == [{"id": "t1", "name": "Amber"}, {"id": "t2", "name": "Cobalt"}]
    assert data["settings"] == {"team_size": 4}


def test_a_create_form_with_a_problem_is_shown_again_and_creates_nothing(client, fiona):
    client.force_login(fiona)
    response = client.post("/console/", {"title": "No teams said"})
    assert response.status_code == 200
    assert not Workshop.objects.exists()


def test_a_title_with_a_blocked_word_is_shown_again_with_the_rule_and_creates_nothing(
    client, fiona
):
    client.force_login(fiona)
    answer = client.post("/console/", {"title": "Bullshit bingo", "teams": "2"})
    assert answer.status_code == 200
    assert "keep it friendly" in answer.content.decode()
    assert not Workshop.objects.exists()
