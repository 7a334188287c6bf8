"""The workshop as the game's host: the game asks it, and never imports it."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from game.host import host
from workshop.host import WorkshopHost
from workshop.models import Deck, Scenario, Workshop

pytestmark = pytest.mark.django_db

GAME = Path(__file__).resolve().parents[2] / "game"


@pytest.fixture
def gina(django_user_model):
    return django_user_model.objects.create_user(username="gina", password="another horse 7")


@pytest.fixture
def ginas_card(gina):
    deck = Deck.objects.create(name="Gina's private deck", owner=gina)
    return Scenario.objects.create(
        deck=deck, slug="secret", title="Secret", customer="c", situation="s", ask="a"
    )


def test_the_setting_names_the_workshop_as_the_host_made_once():
    assert isinstance(host(), WorkshopHost)
    assert host() is host()


def test_a_room_code_opens_its_workshop(workshop):
    assert host().workshop_id_for(workshop.code) == workshop.pk


def test_an_unknown_code_is_none_and_a_miss_is_not_remembered(fiona):
    assert host().workshop_id_for("QQQQQQ") is None
    room = Workshop.objects.create(owner=fiona, title="Late", code="QQQQQQ")
    assert host().workshop_id_for("QQQQQQ") == room.pk


def test_the_owner_and_a_cofacilitator_may_facilitate(workshop, fiona, gina):
    assert host().may_facilitate(workshop.pk, fiona)
    assert not host().may_facilitate(workshop.pk, gina)
    workshop.cofacilitators.add(gina)
    assert host().may_facilitate(workshop.pk, gina)


def test_nobody_facilitates_anonymously_or_a_workshop_that_is_gone(workshop, fiona):
    assert not host().may_facilitate(workshop.pk, AnonymousUser())
    assert not host().may_facilitate(workshop.pk + 1000, fiona)


def test_a_wrong_screen_token_is_refused(workshop):
    assert host().screen_token_ok(workshop.pk, workshop.screen_token)
    assert not host().screen_token_ok(workshop.pk, workshop.screen_token[:-1] + "?")
    assert not host().screen_token_ok(workshop.pk, "")
    assert not host().screen_token_ok(workshop.pk + 1000, workshop.screen_token)


def test_a_card_of_a_deck_the_owner_may_play_is_given_as_the_core_takes_it(workshop):
    card = workshop.deck.scenarios.first()
    assert host().scenario_card(workshop.pk, card.pk) == card.as_card()


def test_another_facilitators_private_deck_card_is_none(workshop, ginas_card):
    assert host().scenario_card(workshop.pk, ginas_card.pk) is None
    assert host().scenario_card(workshop.pk, ginas_card.pk + 1000) is None


def test_a_superusers_workshop_may_play_any_card(workshop, ginas_card, fiona):
    fiona.is_superuser = True
    fiona.save()
    assert host().scenario_card(workshop.pk, ginas_card.pk)["slug"] == "secret"


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def test_the_game_never_imports_the_workshop():
    offenders = {
        str(path.relative_to(GAME)): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] == "workshop"
        )
        for path in GAME.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert len(offenders) >= 20  # the walk found the game's modules
