"""What an archive may cost: its size and shape are checked before anything is folded, every
text in it passes the socket's text rule, broken numbers and deep nesting get a sentence, an
import keeps nothing in memory, and a facilitator's imports are counted."""

import gc
import json
import re
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from game import protocol
from game.models import Event, Game
from game.rooms import rooms
from game.textrules import is_clean
from workshop import export_views
from workshop.archive import ArchiveError, import_archive, parse
from workshop.exports import archive_document
from workshop.models import Deck, Workshop

from . import archives

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
# What an import at the shape limits may cost at its peak, and what it may leave behind.
PEAK_BOUND = 40 * MB
KEPT_BOUND = 2 * MB


@pytest.fixture
def document(played):
    return archive_document(played)


@pytest.fixture
def host(client, fiona):
    client.force_login(fiona)
    return client


def _counts():
    return Workshop.objects.count(), Event.objects.count(), Deck.objects.count()


def _refused(text, message):
    with pytest.raises(ArchiveError, match=message):
        parse(text)


def _upload(host, text: bytes | str):
    raw = text.encode() if isinstance(text, str) else text
    upload = SimpleUploadedFile("archive.json", raw, content_type="application/json")
    return host.post("/archives/import/", {"archive": upload}, HTTP_ACCEPT="application/json")


def _growth(work):
    """Peak and lasting growth of Python's allocations while ``work`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = work()
        del result
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, kept - base


# -- A1: size and shape, before the fold -------------------------------------------------------


def test_it_refuses_the_crafted_archive_of_many_people_and_empty_rounds_before_folding(fiona):
    # The attack: under 2 MB, 5,000 people and 1,200 rounds with nobody in a team.
    text = archives.text(archives.crafted(people=5000, rounds=1200))
    assert len(text) < 2 * MB

    def attempt():
        with pytest.raises(ArchiveError, match="1,200 rounds; this server imports at most 100"):
            import_archive(parse(text), fiona)

    peak, kept = _growth(attempt)
    assert peak < PEAK_BOUND and kept < KEPT_BOUND
    assert Workshop.objects.count() == 0


def test_an_archive_at_the_shape_limits_imports_within_the_bound_and_keeps_nothing(fiona):
    # 2,000 people times 100 rounds: every round's vote copies the roster, 200,000 places.
    text = archives.text(archives.crafted(people=2000, rounds=100))
    peak, kept = _growth(lambda: import_archive(parse(text), fiona))
    assert Game.objects.get().last_seq == 1 + 2000 + 100 * 6
    assert peak < PEAK_BOUND and kept < KEPT_BOUND


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("events", 20, r"holds \d+ events; this server imports at most 20\."),
        ("people", 3, "holds 4 people .joins.; this server imports at most 3"),
        ("rounds", 1, "holds 2 rounds; this server imports at most 1"),
        ("lineup", 7, r"holds 8 places in rounds' lineups"),
        ("cards", 1, "holds 2 scenario cards; this server imports at most 1"),
        ("containers", 50, r"holds \d+ JSON objects and arrays"),
        ("depth", 4, "nested more than 4 levels deep"),
    ],
)
def test_it_refuses_an_archive_beyond_each_limit(document, settings, limit, value, message):
    settings.UPSERVE_ARCHIVE_LIMITS = {limit: value}
    _refused(json.dumps(document), message)


def test_it_refuses_more_teams_than_a_workshop_may_have(document):
    created = document["events"][0]["data"]
    created["teams"] = [{"id": f"t{n}", "name": f"T{n}"} for n in range(1, 52)]
    _refused(json.dumps(document), "51 teams; a workshop has at most 50")


def test_the_fold_of_an_import_is_not_kept_by_the_process(document, fiona):
    copy = import_archive(parse(json.dumps(document)), fiona)
    room = rooms.find(copy.pk)
    assert room is None or room.state.seq == 0


# -- A2: the upload limit, the same in the app and in the proxy's recipe ------------------------


def test_the_nginx_recipe_lets_an_archive_of_the_apps_limit_through_and_the_readme_says_it():
    # The body is the file inside a multipart form: an archive of exactly the app's limit once
    # got nginx's bare 413 page. The app refuses (with a sentence) a body past its limit plus the
    # form's room, so nginx's limit must be above that.
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    sizes = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", nginx, re.MULTILINE)
    limit = django_settings.UPSERVE_ARCHIVE_MAX_BYTES
    assert len(sizes) == 1 and int(sizes[0]) * MB >= limit + export_views.FORM_ROOM
    assert limit % MB == 0
    readme = (ROOT / "README.md").read_text()
    assert f"at most {limit // MB} MB" in readme
    assert f"client_max_body_size {sizes[0]}m" in readme


def test_a_body_longer_than_the_limit_is_refused_before_it_is_read(host, settings):
    settings.UPSERVE_ARCHIVE_MAX_BYTES = MB
    response = _upload(host, b"x" * (2 * MB))
    assert response.status_code == 400 and "at most 1 MB" in response.json()["error"]


# -- A3: plans ---------------------------------------------------------------------------------


def test_it_refuses_a_plan_naming_a_card_twice(document):
    document["workshop"]["plan"] = [0, 1, 0]
    _refused(json.dumps(document), "plan has 3 entries but the archive has 2 cards")
    document["workshop"]["plan"] = [1, 1]
    _refused(json.dumps(document), "plan names scenario 1 twice")


def test_it_refuses_a_plan_longer_than_the_deck(document):
    document["workshop"]["plan"] = [0] * 300_000
    _refused(json.dumps(document), "plan has 300,000 entries but the archive has 2 cards")


# -- A4: text, numbers and nesting ------------------------------------------------------------


def _round_title(document, title: str) -> str:
    started = next(x for x in document["events"] if x["type"] == "round_started")
    started["data"]["scenario"]["title"] = title
    return json.dumps(document)  # "\ud800" goes out as the JSON escape \ud800


def test_it_refuses_a_lone_surrogate_in_a_round_title_and_says_where(document):
    text = _round_title(document, "\ud800")
    assert "\\ud800" in text
    _refused(
        text, r"broken Unicode \(lone surrogates\)\. \(at events\[\d+\]\.data\.scenario\.title\)"
    )


def test_the_import_page_refuses_a_lone_surrogate_with_a_sentence(host, document):
    before = _counts()
    response = _upload(host, _round_title(document, "Latte\ud800"))
    assert response.status_code == 400
    assert "lone surrogates" in response.json()["error"]
    assert _counts() == before


def test_it_refuses_a_control_character_anywhere_even_in_a_key(document):
    document["workshop"]["settings"]["bad\x00key"] = 1
    _refused(json.dumps(document), r"control characters .* \(a key in workshop\.settings\)")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("Infinity", "holds Infinity, which is not a number in JSON"),
        ("-Infinity", "holds -Infinity"),
        ("NaN", "holds NaN"),
        ("1e400", "a number too big"),
        ("1" * 5000, "a number of 5,000 digits"),
    ],
)
def test_it_refuses_numbers_json_cannot_hold(host, document, number, message):
    text = json.dumps(document).replace('"recorded_at": ', f'"recorded_at": {number}, "x": ', 1)
    _refused(text, message)
    response = _upload(host, text)
    assert response.status_code == 400 and re.search(message, response.json()["error"])


def test_a_hundred_thousand_deep_nesting_gets_a_clean_400(host, document):
    deep = "[" * 100_000 + "]" * 100_000
    text = json.dumps(document)[:-1] + f', "junk": {deep}}}'
    _refused(text, "nested too deeply")
    response = _upload(host, text)
    assert response.status_code == 400 and "nested too deeply" in response.json()["error"]
    page = host.post("/archives/import/", {"archive": SimpleUploadedFile("a.json", text.encode())})
    assert page.status_code == 400 and "nested too deeply" in page.content.decode()


@pytest.mark.parametrize("text", ["5", '"text"', "[]", "null", "[[[]]]"])
def test_a_document_that_is_no_archive_is_refused_as_such(text):
    _refused(text, "not an Upserve workshop archive")


def test_the_archive_and_the_socket_refuse_the_same_text():
    for sample in ("ok", "tab\tnewline\n", "\x00", "\x1f", "\x7f", "\ud800", "\udfff", "é😀"):
        frame = json.dumps({"type": "ping", "x": sample})
        try:
            protocol.parse(frame)
            socket_ok = True
        except protocol.ProtocolError as refused:
            socket_ok = refused.code != "bad_text"
        assert is_clean(sample) == socket_ok, sample


# -- A1: imports counted per facilitator, one at a time per process -----------------------------


def test_a_facilitator_may_import_only_so_many_archives_an_hour(host, document, settings):
    settings.UPSERVE_IMPORTS_PER_FACILITATOR = (1, 3600)
    text = json.dumps(document)
    assert _upload(host, text).status_code == 200
    again = _upload(host, text)
    assert again.status_code == 429
    assert "imported 1 archives in the last 60 minutes" in again.json()["error"]


def test_a_second_import_while_one_runs_is_told_to_come_back(host, document):
    before = _counts()
    assert export_views._importing.acquire(blocking=False)
    try:
        response = _upload(host, json.dumps(document))
    finally:
        export_views._importing.release()
    assert response.status_code == 503 and "try again in a minute" in response.json()["error"]
    assert _counts() == before
