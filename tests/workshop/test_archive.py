import json

import pytest

from game import service
from game.core.model import Role
from game.core.visibility import Viewer, personal_snapshot, public_snapshot
from game.models import Event
from workshop.archive import ArchiveError, import_archive, parse
from workshop.exports import archive_document, archive_lines
from workshop.models import Deck, Scenario, Workshop

from .played import play

pytestmark = pytest.mark.django_db


@pytest.fixture
def played(workshop, frozen_clock):
    play(workshop, frozen_clock)
    return workshop


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
    assert count == Workshop.objects.get(pk=played.pk).last_seq
    assert text.count('{"seq": ') == count
    assert json.loads(text)["events"][-1]["seq"] == count
