import pytest

from .played import play


@pytest.fixture
def played(workshop, frozen_clock):
    """The small workshop of played.py, played to its end (a test module with a game of its own
    defines its own ``played``)."""
    play(workshop, frozen_clock)
    return workshop


@pytest.fixture
def deck():
    """The built-in deck (transactional tests flush what the migration loaded)."""
    from workshop.decks import load_builtin_deck
    from workshop.models import Deck, Scenario

    load_builtin_deck(Deck, Scenario)
    return Deck.objects.get(builtin=True)


@pytest.fixture
def cards(deck):
    return list(deck.scenarios.all())


@pytest.fixture
def console(client, fiona):
    """A facilitator's browser, logged in."""
    client.force_login(fiona)
    return client
