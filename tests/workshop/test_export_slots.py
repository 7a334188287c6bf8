"""Results exports fold a whole log in a request thread: a process prepares a few at a time and
tells the others to come back, so a facilitator's burst of exports never takes every request
thread from the phones."""

import pytest

from workshop import export_views

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(client, fiona):
    client.force_login(fiona)
    return client


@pytest.fixture
def busy():
    """Every export slot of this process taken, as by exports still being prepared."""
    for _ in range(export_views.EXPORTS_AT_ONCE):
        assert export_views._exporting.acquire(blocking=False)
    yield
    for _ in range(export_views.EXPORTS_AT_ONCE):
        export_views._exporting.release()


@pytest.mark.parametrize("export", ["results.json", "moves.csv", "scores.csv"])
def test_an_export_beyond_the_slots_is_told_to_come_back(host, played, busy, export):
    response = host.get(f"/console/{played.code}/exports/{export}")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "try again in a moment" in response.content.decode()


def test_an_export_gives_its_slot_back(host, played):
    for _ in range(export_views.EXPORTS_AT_ONCE + 1):
        assert host.get(f"/console/{played.code}/exports/results.json").status_code == 200
