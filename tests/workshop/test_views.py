import pytest

from game import service
from workshop.views import seat_cookie

pytestmark = pytest.mark.django_db


def test_the_landing_page_sends_a_valid_room_code_to_its_join_page(client, workshop):
    response = client.post("/", {"code": workshop.code.lower()})
    assert response.status_code == 302 and response.url == f"/join/{workshop.code}/"


def test_a_wrong_room_code_gets_a_clear_message(client, workshop):
    response = client.post("/", {"code": "ZZZZZZ"})
    assert "No open workshop has that code" in response.content.decode()


def test_the_join_page_offers_a_generated_nickname(client, workshop):
    page = client.get(f"/join/{workshop.code}/").content.decode()
    assert 'name="nickname"' in page
    assert client.get(f"/join/{workshop.code}/nickname/").json()["nickname"]


def test_joining_seats_the_phone_and_remembers_it(client, workshop):
    response = client.post(f"/join/{workshop.code}/", {"nickname": "Alice"})
    assert response.status_code == 302 and response.url == f"/play/{workshop.code}/"
    assert seat_cookie(workshop) in response.cookies
    state = service.read_state(workshop.pk)
    assert [p.nickname for p in state.people.values()] == ["Alice"]
    # Coming back keeps the same seat rather than joining twice.
    again = client.get(f"/join/{workshop.code}/")
    assert again.status_code == 302 and again.url == f"/play/{workshop.code}/"
    assert client.get(f"/play/{workshop.code}/").status_code == 200


def test_a_taken_nickname_is_refused_with_a_sentence(client, workshop):
    client.post(f"/join/{workshop.code}/", {"nickname": "Alice"})
    client.cookies.clear()
    page = client.post(f"/join/{workshop.code}/", {"nickname": "alice"}).content.decode()
    assert "already uses that nickname" in page


def test_script_in_a_nickname_is_shown_as_text(client, workshop):
    client.post(f"/join/{workshop.code}/", {"nickname": "<script>x</script>"})
    client.cookies.clear()
    page = client.post(
        f"/join/{workshop.code}/", {"nickname": "<script>x</script>"}
    ).content.decode()
    assert "<script>x</script>" not in page


def test_the_play_page_needs_a_seat(client, workshop):
    response = client.get(f"/play/{workshop.code}/")
    assert response.status_code == 302 and response.url == f"/join/{workshop.code}/"


def test_the_console_needs_a_login(client):
    response = client.get("/console/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_facilitator_creates_a_workshop_from_the_console(client, fiona):
    client.force_login(fiona)
    response = client.post("/console/", {"title": "Friday session", "teams": 3, "deck": ""})
    code = response.url.rstrip("/").rsplit("/", 1)[-1]
    state = service.read_state(fiona.workshops.get(code=code).pk)
    assert state.title == "Friday session" and len(state.teams) == 3
    assert client.get(response.url).status_code == 200


def test_another_facilitators_console_is_not_found(client, workshop, django_user_model):
    client.force_login(django_user_model.objects.create_user("mallory", password="x" * 12))
    assert client.get(f"/console/{workshop.code}/").status_code == 404


def test_the_screen_needs_its_key(client, workshop):
    assert client.get(f"/screen/{workshop.code}/?key=guess").status_code == 404
    page = client.get(f"/screen/{workshop.code}/?key={workshop.screen_token}")
    assert page.status_code == 200 and workshop.code in page.content.decode()


def test_the_qr_code_is_drawn_by_the_server(client, workshop):
    response = client.get(f"/qr/{workshop.code}.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert b'xmlns="http://www.w3.org/2000/svg"' in response.content  # an <img> needs it


def test_pages_link_no_third_party_host(client, workshop, fiona):
    client.force_login(fiona)
    for path in (
        "/",
        f"/join/{workshop.code}/",
        f"/console/{workshop.code}/",
        f"/screen/{workshop.code}/?key={workshop.screen_token}",
    ):
        page = client.get(path).content.decode()
        assert "https://" not in page.replace("https://" + "localhost", "")
        assert "//cdn" not in page
