import pytest

from game import clock as clock_module
from game import service


@pytest.fixture(autouse=True)
def fresh_fold():
    """Each test starts with no cached game state, like a freshly started server, and with no
    throttling counters left over from other tests."""
    from django.core.cache import cache

    from game import fanout, lookups, ratelimit, rights

    def forget_everything() -> None:
        service.forget()
        # Seats' buckets and watched consoles: a test's rate must not outlive it.
        ratelimit.sockets.forget()
        rights.watchers.forget()
        # Test databases reuse workshop ids; a real server never does.
        fanout.hub.latest.clear()
        lookups.last_seqs.forget()
        lookups._workshop_ids.clear()

    forget_everything()
    cache.clear()
    yield
    forget_everything()


@pytest.fixture(autouse=True)
def quick_tallies(settings):
    """Coalesced broadcasts go out almost at once, so tests need not wait for them."""
    settings.UPSERVE_TALLY_SECONDS = 0.01
    settings.UPSERVE_PHONE_TALLY_SECONDS = 0.01
    settings.UPSERVE_PHONE_FRAMES_PER_SECOND = 10**6
    settings.UPSERVE_PRESENCE_SECONDS = 0.05


@pytest.fixture
def frozen_clock(monkeypatch):
    frozen = clock_module.FrozenClock()
    monkeypatch.setattr(clock_module, "clock", frozen)
    return frozen


@pytest.fixture
def fiona(django_user_model):
    """The facilitator of our cast."""
    return django_user_model.objects.create_user(username="fiona", password="correct horse battery")


@pytest.fixture
def workshop(fiona):
    from workshop.decks import load_builtin_deck
    from workshop.models import Deck, Scenario
    from workshop.rooms import workshop_create

    load_builtin_deck(Deck, Scenario)  # transactional tests flush what the migration loaded
    return workshop_create(
        owner=fiona, title="Morning workshop", team_count=2, deck=Deck.objects.first()
    )
