import csv
import io
import json
import threading

import pytest

from game.models import Game
from workshop.models import Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(client, fiona):
    client.force_login(fiona)
    return client


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def _csv(client, workshop, kind) -> list[list[str]]:
    response = client.get(f"/console/{workshop.code}/exports/{kind}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"upserve-{workshop.code}-{kind}.csv" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(_body(response).lstrip("\ufeff"))))


def test_the_moves_csv_has_every_saved_version_with_its_author(host, played):
    rows = _csv(host, played, "moves")
    assert rows[0] == ["Round", "Scenario", "Team", "Move", "Version", "Author", "Final version"]
    assert [(r[0], r[2], r[4], r[5], r[6]) for r in rows[1:]] == [
        ("1", "Amber", "1", "Alice", "no"),
        ("1", "Amber", "2", "Carol", "yes"),
        ("1", "Night owls", "1", "Bob", "yes"),
        ("2", "Amber", "1", "Carol", "yes"),
        ("2", "Night owls", "1", "Daniel", "yes"),  # renamed, then removed: still named
    ]


def test_a_move_that_looks_like_a_formula_stays_text_in_a_spreadsheet(host, played):
    rows = _csv(host, played, "moves")
    assert rows[2][3] == "'=Ask first, then offer what helps"


def test_the_votes_csv_has_the_votes_that_counted(host, played):
    rows = _csv(host, played, "votes")
    assert rows[0] == ["Round", "Voter", "Team voted on", "Their life better?", "The world better?"]
    assert rows[1:] == [
        ["1", "Alice", "Night owls", "no", "unsure"],
        ["1", "Carol", "Night owls", "no", "no"],
        ["1", "Bob", "Amber", "yes", "yes"],  # his second vote
        ["1", "Daniel", "Amber", "yes", "yes"],
        ["2", "Alice", "Night owls", "unsure", "yes"],
        ["2", "Carol", "Night owls", "no", "unsure"],
        ["2", "Bob", "Amber", "yes", "yes"],  # Daniel's vote went with him
    ]


def test_the_scores_csv_has_points_badges_and_flags_per_round(host, played):
    rows = _csv(host, played, "scores")
    assert rows[0] == ["Round", "Team", "Points", "Upserve badge", "Bonus", "Upsell flag", "Total"]
    assert rows[1:] == [
        ["1", "Amber", "100", "yes", "20", "no", "120"],
        ["1", "Night owls", "0", "no", "0", "yes", "0"],
        ["2", "Amber", "100", "yes", "20", "no", "120"],
        ["2", "Night owls", "25", "no", "0", "no", "25"],
    ]


def test_the_commitments_csv_collects_each_private_commitment_for_the_facilitator(host, played):
    rows = _csv(host, played, "commitments")
    assert rows == [
        ["Participant", "Commitment"],
        ["Alice", "Ask what they need before I offer anything."],
    ]


def test_the_json_export_has_the_same_data_and_the_standings(host, played):
    response = host.get(f"/console/{played.code}/exports/results.json")
    data = json.loads(response.content)
    assert len(data["moves"]) == 5 and len(data["votes"]) == 7 and len(data["scores"]) == 4
    assert data["moves"][1]["text"] == "=Ask first, then offer what helps"  # raw in JSON
    assert [(s["team"], s["total"], s["badges"]) for s in data["standings"]] == [
        ("Amber", 240, 2),
        ("Night owls", 25, 0),
    ]


def test_the_archive_streams_with_its_event_count(host, played):
    response = host.get(f"/console/{played.code}/exports/archive.json")
    assert response.streaming
    count = int(response["X-Archive-Events"])
    assert count == Game.objects.get(pk=played.pk).last_seq
    document = json.loads(_body(response))
    assert [e["seq"] for e in document["events"]] == list(range(1, count + 1))
    assert document["workshop"]["title"] == "Morning workshop"


def test_only_the_workshops_facilitators_may_export_it(client, played, django_user_model):
    urls = [
        f"/console/{played.code}/exports/{p}"
        for p in ("", "moves.csv", "results.json", "archive.json")
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    stranger = django_user_model.objects.create_user(username="sam", password="x" * 20)
    client.force_login(stranger)
    assert all(client.get(url).status_code == 404 for url in urls)
    played.cofacilitators.add(stranger)
    assert all(client.get(url).status_code == 200 for url in urls)
    admin = django_user_model.objects.create_superuser(username="root", password="x" * 20)
    client.force_login(admin)
    assert all(client.get(url).status_code == 200 for url in urls)


def test_the_console_links_to_the_exports_page(host, played):
    page = host.get(f"/console/{played.code}/").content.decode()
    assert f'href="/console/{played.code}/exports/"' in page
    exports = host.get(f"/console/{played.code}/exports/").content.decode()
    assert f"/console/{played.code}/exports/votes.csv" in exports
    assert 'for="archive-progress-bar"' in exports


def test_an_uploaded_archive_becomes_a_workshop_of_the_uploader(host, played, fiona):
    archive = _body(host.get(f"/console/{played.code}/exports/archive.json")).encode()
    upload = io.BytesIO(archive)
    upload.name = "archive.json"
    response = host.post("/archives/import/", {"archive": upload}, HTTP_ACCEPT="application/json")
    answer = response.json()
    assert answer["ok"] and answer["url"] == f"/console/{answer['code']}/"
    assert Workshop.objects.get(code=answer["code"]).owner == fiona


def test_a_bad_upload_is_answered_with_the_reason(host, played):
    before = Workshop.objects.count()
    upload = io.BytesIO(b'{"format": "upserve-archive", "version": 1, "workshop": ')
    upload.name = "archive.json"
    response = host.post("/archives/import/", {"archive": upload}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]
    upload.seek(0)
    page = host.post("/archives/import/", {"archive": upload})
    assert page.status_code == 400 and "The archive was not imported" in page.content.decode()
    assert Workshop.objects.count() == before


def test_the_import_page_labels_its_file_field(host):
    page = host.get("/archives/import/").content.decode()
    assert '<label for="archive-file"' in page and 'id="archive-file"' in page


def test_an_export_does_not_wait_for_the_rooms_fold(host, played):
    # A writer holding the room's fold (as every room's database thread may be waiting to) does
    # not hold up an export, and the export leaves no fold behind.
    from game import service
    from game.rooms import rooms

    service.forget(played.pk)  # as on a process that has not served the room
    held, release, exported = threading.Event(), threading.Event(), []

    def writer() -> None:
        with rooms.using(played.pk) as room, room.lock:
            held.set()
            release.wait(timeout=10)
            exported.append(("released", len(exported)))

    thread = threading.Thread(target=writer)
    thread.start()
    held.wait(timeout=10)
    try:
        archive = b"".join(
            host.get(f"/console/{played.code}/exports/archive.json").streaming_content
        )
        results = host.get(f"/console/{played.code}/exports/results.json")
        exported.append(("exported", len(exported)))
    finally:
        release.set()
        thread.join()
    assert exported[0][0] == "exported"
    assert json.loads(archive)["workshop"]["last_seq"] == results.json()["workshop"]["seq"]
    assert rooms.find(played.pk).state.seq == 0  # the export folded the log on its own
