"""The scenario editor: your own decks and cards, outside the Django admin."""

import pytest

from workshop.decks import load_builtin_deck
from workshop.models import Deck, Scenario

pytestmark = pytest.mark.django_db

CARD = {
    "title": "The late delivery",
    "customer": "A florist whose van broke down",
    "situation": "Three weddings on Saturday and no van.",
    "ask": "Pitch what you would offer.",
    "debrief": "",
}


@pytest.fixture
def builtin():
    load_builtin_deck(Deck, Scenario)
    return Deck.objects.get(builtin=True)


@pytest.fixture
def editor(client, fiona):
    client.force_login(fiona)
    return client


@pytest.fixture
def mallory(django_user_model):
    return django_user_model.objects.create_user("mallory", password="x" * 12)


@pytest.fixture
def deck(fiona):
    deck = Deck.objects.create(name="Florists", owner=fiona)
    for i, title in enumerate(["First", "Second", "Third"]):
        Scenario.objects.create(deck=deck, position=i, slug=title.lower(), title=title, **_rest())
    return deck


def _rest():
    return {k: v for k, v in CARD.items() if k != "title"}


def titles(deck):
    return list(deck.scenarios.values_list("title", flat=True))


def test_the_editor_needs_a_login(client):
    response = client.get("/decks/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_facilitator_sees_the_builtins_and_their_own_decks_only(editor, builtin, deck, mallory):
    Deck.objects.create(name="Mallory's secrets", owner=mallory)
    page = editor.get("/decks/").content.decode()
    assert builtin.name in page and "Florists" in page
    assert "Mallory&#x27;s secrets" not in page and "Mallory's secrets" not in page


def test_a_superuser_sees_every_deck(client, django_user_model, deck):
    root = django_user_model.objects.create_superuser("root", password="x" * 12)
    client.force_login(root)
    assert "Florists" in client.get("/decks/").content.decode()
    assert client.get(f"/decks/{deck.pk}/").status_code == 200


def test_a_facilitator_creates_renames_and_deletes_a_deck(editor, fiona):
    response = editor.post("/decks/new/", {"name": "  Night   shift ", "description": ""})
    deck = Deck.objects.get(owner=fiona)
    assert response.url == f"/decks/{deck.pk}/" and deck.name == "Night shift"
    editor.post(f"/decks/{deck.pk}/edit/", {"name": "Day shift", "description": "Mornings"})
    deck.refresh_from_db()
    assert (deck.name, deck.description) == ("Day shift", "Mornings")
    assert "Delete the deck" in editor.get(f"/decks/{deck.pk}/delete/").content.decode()
    editor.post(f"/decks/{deck.pk}/delete/")
    assert not Deck.objects.filter(pk=deck.pk).exists()


def test_a_deck_needs_a_name_you_have_not_used(editor, deck):
    assert "Give the deck a name." in editor.post("/decks/new/", {"name": "   "}).content.decode()
    page = editor.post("/decks/new/", {"name": "florists"}).content.decode()
    assert "You already have a deck called “florists”." in page


def test_two_facilitators_may_each_have_a_deck_of_the_same_name(client, mallory, deck):
    client.force_login(mallory)
    client.post("/decks/new/", {"name": "Florists"})
    assert Deck.objects.filter(name="Florists").count() == 2


def test_a_card_is_added_at_the_end_with_a_slug_of_its_own(editor, deck):
    response = editor.post(f"/decks/{deck.pk}/cards/new/", {**CARD, "title": "  First  "})
    assert response.status_code == 302
    card = deck.scenarios.last()
    assert (card.title, card.position, card.slug) == ("First", 3, "first-2")


def test_a_card_refuses_empty_required_fields_with_clear_messages(editor, deck):
    blank = {"title": " ", "customer": "", "situation": "\n", "ask": "", "debrief": ""}
    page = editor.post(f"/decks/{deck.pk}/cards/new/", blank).content.decode()
    for message in (
        "Give the card a title.",
        "Say who the customer is.",
        "Describe the situation.",
        "Say what the teams are asked to do.",
    ):
        assert message in page
    assert deck.scenarios.count() == 3


def test_a_card_respects_the_models_lengths(editor, deck):
    response = editor.post(f"/decks/{deck.pk}/cards/new/", {**CARD, "situation": "x" * 1001})
    assert "at most 1000 characters" in response.content.decode()
    response = editor.post(f"/decks/{deck.pk}/cards/new/", {**CARD, "title": "x" * 121})
    assert "at most 120 characters" in response.content.decode()
    assert deck.scenarios.count() == 3


def test_a_card_is_edited_and_keeps_its_slug(editor, deck):
    card = deck.scenarios.first()
    editor.post(f"/decks/{deck.pk}/cards/{card.pk}/", {**CARD, "title": "Renamed"})
    card.refresh_from_db()
    assert (card.title, card.slug, card.customer) == ("Renamed", "first", CARD["customer"])


def test_a_card_is_deleted_after_a_confirmation(editor, deck):
    card = deck.scenarios.first()
    assert (
        "Delete the card"
        in editor.get(f"/decks/{deck.pk}/cards/{card.pk}/delete/").content.decode()
    )
    editor.post(f"/decks/{deck.pk}/cards/{card.pk}/delete/")
    assert titles(deck) == ["Second", "Third"]


def test_cards_move_up_and_down(editor, deck):
    third = deck.scenarios.get(title="Third")
    response = editor.post(f"/decks/{deck.pk}/cards/{third.pk}/move/", {"direction": "up"})
    assert response.url == f"/decks/{deck.pk}/#card-{third.pk}"
    assert titles(deck) == ["First", "Third", "Second"]
    first = deck.scenarios.get(title="First")
    editor.post(f"/decks/{deck.pk}/cards/{first.pk}/move/", {"direction": "down"})
    assert titles(deck) == ["Third", "First", "Second"]
    editor.post(f"/decks/{deck.pk}/cards/{first.pk}/move/", {"direction": "down"})
    editor.post(f"/decks/{deck.pk}/cards/{first.pk}/move/", {"direction": "down"})
    assert titles(deck) == ["Third", "Second", "First"]


def test_another_facilitator_cannot_read_or_change_your_deck(client, mallory, deck):
    client.force_login(mallory)
    card = deck.scenarios.first()
    assert client.get(f"/decks/{deck.pk}/").status_code == 404
    attempts = [
        (f"/decks/{deck.pk}/edit/", {"name": "Mine now"}),
        (f"/decks/{deck.pk}/delete/", {}),
        (f"/decks/{deck.pk}/copy/", {}),
        (f"/decks/{deck.pk}/cards/new/", CARD),
        (f"/decks/{deck.pk}/cards/{card.pk}/", {**CARD, "title": "Mine now"}),
        (f"/decks/{deck.pk}/cards/{card.pk}/delete/", {}),
        (f"/decks/{deck.pk}/cards/{card.pk}/move/", {"direction": "down"}),
    ]
    assert [client.post(url, data).status_code for url, data in attempts] == [404] * 7
    deck.refresh_from_db()
    assert deck.name == "Florists" and titles(deck) == ["First", "Second", "Third"]
    assert not Deck.objects.filter(owner=mallory).exists()


def test_a_builtin_deck_is_read_only(editor, builtin):
    card = builtin.scenarios.first()
    page = editor.get(f"/decks/{builtin.pk}/").content.decode()
    assert "read-only" in page and "Copy to my decks" in page and "Add a card" not in page
    attempts = [
        (f"/decks/{builtin.pk}/edit/", {"name": "Mine now"}),
        (f"/decks/{builtin.pk}/delete/", {}),
        (f"/decks/{builtin.pk}/cards/new/", CARD),
        (f"/decks/{builtin.pk}/cards/{card.pk}/", {**CARD, "title": "Mine now"}),
        (f"/decks/{builtin.pk}/cards/{card.pk}/delete/", {}),
        (f"/decks/{builtin.pk}/cards/{card.pk}/move/", {"direction": "down"}),
    ]
    assert [editor.post(url, data).status_code for url, data in attempts] == [403] * 6
    card.refresh_from_db()
    assert card.title != "Mine now" and Deck.objects.filter(pk=builtin.pk).exists()


def test_a_builtin_is_copied_to_my_decks_with_all_its_cards(editor, fiona, builtin):
    response = editor.post(f"/decks/{builtin.pk}/copy/")
    copy = Deck.objects.get(owner=fiona)
    assert response.url == f"/decks/{copy.pk}/"
    assert copy.name == f"{builtin.name} (copy)" and not copy.builtin
    assert titles(copy) == titles(builtin)
    editor.post(f"/decks/{builtin.pk}/copy/")
    assert Deck.objects.filter(owner=fiona, name=f"{builtin.name} (copy 2)").exists()


def test_the_builtin_deck_reloads_beside_a_users_deck_of_the_same_name(fiona, builtin):
    Deck.objects.create(name=builtin.name, owner=fiona)
    load_builtin_deck(Deck, Scenario)
    assert Deck.objects.filter(builtin=True).count() == 1


def test_text_in_cards_is_shown_as_text(editor, deck):
    editor.post(f"/decks/{deck.pk}/cards/new/", {**CARD, "title": "<script>x()</script>"})
    page = editor.get(f"/decks/{deck.pk}/").content.decode()
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
