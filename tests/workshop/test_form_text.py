"""Text typed into a facilitator's forms obeys the socket's text rule (bad_text): what they store
goes into the log and the archive, and an archive holding a control character is refused on
import, so a workshop made through the forms must export an archive that imports again."""

import pytest

from game.textrules import BAD_TEXT
from tests.workshop.test_scenario_editor import CARD
from workshop.models import Deck, Scenario, Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def deck(fiona):
    return Deck.objects.create(name="Florists", owner=fiona)


def test_the_create_form_refuses_a_title_with_control_characters(console):
    response = console.post("/console/", {"title": "Friday\x01 \x1b[31msession", "teams": 3})
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [BAD_TEXT]
    assert not Workshop.objects.exists()


@pytest.mark.parametrize("field", ["title", "customer", "situation", "ask", "debrief"])
def test_a_card_refuses_control_characters_in_any_field(console, deck, field):
    response = console.post(f"/decks/{deck.pk}/cards/new/", {**CARD, field: "A\x07 bell"})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [BAD_TEXT]
    assert not Scenario.objects.filter(deck=deck).exists()


def test_a_deck_name_refuses_control_characters(console, fiona):
    response = console.post("/decks/new/", {"name": "Flor\x08ists", "description": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [BAD_TEXT]
    assert not Deck.objects.filter(owner=fiona).exists()


def test_tabs_and_newlines_are_still_text(console, deck):
    response = console.post(f"/decks/{deck.pk}/cards/new/", {**CARD, "situation": "One.\n\tTwo."})
    assert response.status_code == 302
    assert Scenario.objects.get(deck=deck).situation == "One.\n\tTwo."
