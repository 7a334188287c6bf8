"""Guessing a facilitator's password, slowed down (django-axes): a few wrong passwords for one
username from one address lock that pair out for a while, on both login pages."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/login/", "/admin/login/"]
USERNAME, PASSWORD = "fiona", "correct horse battery"
GUESSER, ELSEWHERE = "10.6.6.6", "10.1.1.1"
LOCKED = "Too many wrong passwords for this username from your address"


@pytest.fixture(autouse=True)
def staff_fiona(fiona):
    """Fiona may use the admin too, so both pages can let her in."""
    fiona.is_staff = fiona.is_superuser = True
    fiona.save()
    return fiona


@pytest.fixture
def clock(monkeypatch):
    """The time django-axes stamps each attempt with, moved by the test."""
    moment = [timezone.now()]
    monkeypatch.setattr("axes.handlers.proxy.now", lambda: moment[0])

    def advance(delta: timedelta) -> None:
        moment[0] += delta

    return advance


def log_in(
    page: str, password: str, address: str = GUESSER, client: Client | None = None, **headers
):
    client = client or Client()
    response = client.post(
        page, {"username": USERNAME, "password": password}, REMOTE_ADDR=address, headers=headers
    )
    return response, "_auth_user_id" in client.session


def wrong_passwords(page: str, count: int, address: str = GUESSER, **headers) -> list[int]:
    return [log_in(page, f"guess {i}", address, **headers)[0].status_code for i in range(count)]


@pytest.mark.parametrize("page", PAGES)
def test_the_right_password_logs_in_after_fewer_wrong_ones_than_the_limit(page):
    assert wrong_passwords(page, settings.AXES_FAILURE_LIMIT - 1) == [200] * (
        settings.AXES_FAILURE_LIMIT - 1
    )
    response, logged_in = log_in(page, PASSWORD)
    assert response.status_code == 302 and logged_in


@pytest.mark.parametrize("page", PAGES)
def test_the_last_allowed_wrong_password_locks_out_even_the_right_password(page, clock):
    limit = settings.AXES_FAILURE_LIMIT
    assert wrong_passwords(page, limit) == [200] * (limit - 1) + [429]
    response, logged_in = log_in(page, PASSWORD)
    assert response.status_code == 429 and not logged_in
    assert LOCKED in response.content.decode()
    assert "locked for 15 minutes" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_the_lock_ends_once_the_cool_off_has_passed_without_a_try(page, clock):
    wrong_passwords(page, settings.AXES_FAILURE_LIMIT)
    clock(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert log_in(page, PASSWORD)[0].status_code == 429  # and that try starts the wait again
    clock(settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert log_in(page, PASSWORD)[0].status_code == 429
    clock(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
    response, logged_in = log_in(page, PASSWORD)
    assert response.status_code == 302 and logged_in


def test_a_lock_holds_only_the_username_and_address_that_guessed(clock):
    """A stranger's guesses do not lock the facilitator out from her own laptop."""
    wrong_passwords(PAGES[0], settings.AXES_FAILURE_LIMIT)
    response, logged_in = log_in(PAGES[0], PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302 and logged_in


def test_a_forged_x_forwarded_for_does_not_spread_the_guesses_over_addresses(clock):
    """The address is REMOTE_ADDR (set by Daphne from the proxy); the header a client sends
    itself is never read."""
    statuses = [
        log_in(PAGES[0], f"guess {i}", X_Forwarded_For=f"203.0.113.{i}")[0].status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429
    assert log_in(PAGES[0], PASSWORD, X_Forwarded_For="198.51.100.7")[0].status_code == 429


def test_a_successful_login_clears_the_count_of_wrong_passwords(clock):
    limit = settings.AXES_FAILURE_LIMIT
    wrong_passwords(PAGES[0], limit - 1)
    assert log_in(PAGES[0], PASSWORD)[1]
    assert wrong_passwords(PAGES[0], limit - 1) == [200] * (limit - 1)
    assert log_in(PAGES[0], PASSWORD)[1]
