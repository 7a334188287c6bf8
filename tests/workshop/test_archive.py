import json

import pytest

from game import service
from game.core.model import Role
from game.core.visibility import Viewer, personal_snapshot, public_snapshot
from game.models import Event, Game
from workshop.archive import ArchiveError, import_archive, parse
from workshop.exports import archive_document, archive_lines
from workshop.models import Deck, Scenario, Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(played):
    return archive_document(played)


def _counts():
    return (Workshop.objects.count(), Event.objects.count(), Deck.objects.count(),
            Scenario.objects.count())  # fmt: skip


def _fails(doc_or_text, fiona, message):
    before = _counts()
    text = doc_or_text if isinstance(doc_or_text, str | bytes) else json.dumps(doc_or_text)
    with pytest.raises(ArchiveError, match=message):
        import_archive(parse(text), fiona)
    assert _counts() == before


def test_an_archive_imports_as_a_new_room_of_the_importer_with_the_same_state(
    played, document, django_user_model
):
    ines = django_user_model.objects.create_user(username="ines", password="x" * 20)
    copy = import_archive(parse(json.dumps(document)), ines)
    assert copy.owner == ines and copy.code != played.code
    assert copy.screen_token != played.screen_token
    original, imported = service.read_state(played.pk), service.read_state(copy.pk)
    assert imported == original
    for viewer in (Viewer(Role.SCREEN), Viewer(Role.FACILITATOR)):
        assert personal_snapshot(imported, viewer) == personal_snapshot(original, viewer)
    assert public_snapshot(imported) == public_snapshot(original)
    times = list(Event.objects.filter(workshop=played).values_list("seq", "recorded_at"))
    assert list(Event.objects.filter(workshop=copy).values_list("seq", "recorded_at")) == times


def test_the_streamed_archive_has_one_event_per_line(played):
    count, lines = archive_lines(played)
    text = "".join(lines)
    assert count == Game.objects.get(pk=played.pk).last_seq
    assert text.count('{"seq": ') == count
    assert json.loads(text)["events"][-1]["seq"] == count


def _event(doc, type_, nth=0):
    return [x for x in doc["events"] if x["type"] == type_][nth]


def test_it_refuses_a_log_with_a_gap_in_its_seqs(document, fiona):
    del document["events"][5]
    _fails(document, fiona, r"without gaps: expected #6 at events\[5\], found 7")


def test_it_refuses_an_unknown_event_type(document, fiona):
    document["events"][3]["type"] = "money_transferred"
    _fails(document, fiona, "event #4 has an unknown type 'money_transferred'")


def test_it_refuses_a_vote_the_rules_would_have_refused(document, fiona):
    # Carol is in t1: a vote on her own team's move.
    vote = _event(document, "vote_cast", 1)
    vote["data"]["team"] = "t1"
    _fails(
        document, fiona, rf"event #{vote['seq']}: vote_cast would not have been accepted.*own_team"
    )


def test_it_refuses_a_move_saved_outside_the_pitch(document, fiona):
    # Take out the phase change that opened the first pitch, and renumber what follows.
    opened = _event(document, "phase_changed")
    document["events"].remove(opened)
    for n, x in enumerate(document["events"]):
        x["seq"] = n + 1
    document["workshop"]["last_seq"] -= 1
    move = _event(document, "move_saved")
    _fails(
        document,
        fiona,
        rf"event #{move['seq']}: move_saved would not have been accepted.*wrong_phase",
    )


def test_it_refuses_a_forged_score(document, fiona):
    scored = _event(document, "round_scored")
    scored["data"]["results"]["t2"]["total"] = 500
    _fails(
        document, fiona, rf"event #{scored['seq'] - 1}: phase_changed is not what the rules produce"
    )


def test_it_refuses_a_header_that_disagrees_with_its_log(document, fiona):
    document["workshop"]["settings"]["badge_bonus"] = 99
    _fails(document, fiona, "settings do not match")


def test_it_refuses_broken_json_and_says_where(document, fiona):
    text = json.dumps(document)[:-40]
    _fails(text, fiona, r"not valid JSON: .* at line 1, column \d+")


def test_it_refuses_a_file_over_the_size_limit(document, fiona, settings):
    settings.UPSERVE_ARCHIVE_MAX_BYTES = 1000
    _fails(json.dumps(document), fiona, "too big: .* at most 1,000 bytes")


@pytest.mark.parametrize("where", [None, "workshop"])
def test_it_refuses_parts_an_export_never_writes(document, fiona, where):
    part = document if where is None else document[where]
    part["padding"] = ["x" * 100] * 1000
    _fails(document, fiona, "holds parts this server does not know: 'padding'")


def test_it_refuses_a_newer_format_version(document, fiona):
    document["version"] = 2
    _fails(document, fiona, "format version is 2; this server reads version 1")


def test_it_refuses_a_plan_naming_a_missing_scenario(document, fiona):
    document["workshop"]["plan"] = [7]
    _fails(document, fiona, "plan names scenario 7")


def test_a_failed_fold_check_leaves_nothing_behind(document, fiona, monkeypatch):
    archive = parse(json.dumps(document))
    archive.state.title = "Something else"
    before = _counts()
    with pytest.raises(ArchiveError, match="does not fold to the archive's state"):
        import_archive(archive, fiona)
    assert _counts() == before


def test_the_archive_keeps_the_played_cards_and_the_plan(played, document, fiona):
    played_titles = [
        x["data"]["scenario"]["title"] for x in document["events"] if x["type"] == "round_started"
    ]
    assert [c["title"] for c in document["scenarios"]] == played_titles
    copy = import_archive(parse(json.dumps(document)), fiona)
    assert copy.deck.owner == fiona and copy.deck.name == "Morning workshop (imported)"
    assert list(copy.deck.scenarios.values_list("title", flat=True)) == played_titles
