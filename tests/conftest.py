import pytest

from game import clock as clock_module


@pytest.fixture(autouse=True)
def fresh_fold():
    """Each test starts with no cached game state, like a freshly started server, and with no
    throttling counters left over from other tests."""
    from django.core.cache import cache

    from game import delivery, lookups, ratelimit, rights, rooms, writer

    def forget_everything() -> None:
        # A new server process: no rooms, no queues, no remembered codes (test databases
        # reuse workshop ids and room codes; a real server never does).
        rooms.rooms.reset()
        writer.writer.__init__()
        delivery.hand_out.__init__()
        lookups.room_codes.__init__()
        # Seats' buckets and watched consoles: a test's rate must not outlive it.
        ratelimit.sockets.forget()
        rights.watchers.forget()

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
