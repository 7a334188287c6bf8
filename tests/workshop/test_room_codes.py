"""Every page that takes a room code: one answer for codes a visitor may not know about, one
throttle that counts wrong codes (misses) and never right ones, and what a locked room says."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from game import service
from game.core.commands import EndWorkshop, LockJoining, RemoveParticipant
from game.core.model import FACILITATOR
from game.core.refusals import REFUSALS
from game.ratelimit import address_key
from workshop.models import CODE_ALPHABET

pytestmark = pytest.mark.django_db

VENUE, ELSEWHERE = "203.0.113.7", "198.51.100.9"
UNKNOWN = "ZZZZZZ"
NOT_FOUND = "No open workshop has that code"
TOO_FAST = "Too many tries from this network"


def facilitate(workshop, command):
    assert service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=command).ok


def join(client: Client, code: str, nickname: str, address: str = VENUE, **fields):
    return client.post(f"/join/{code}/", {"nickname": nickname, **fields}, REMOTE_ADDR=address)


def answer(client: Client, path: str, code: str, address: str = VENUE) -> tuple:
    """What a visitor learns from ``path`` with ``code``: status, where it sends them and the
    page, with the code itself and the per-page CSRF token taken out."""
    response = client.get(path.format(code=code), REMOTE_ADDR=address)
    body = response.content.decode()
    body = "\n".join(line for line in body.splitlines() if "csrfmiddlewaretoken" not in line)
    return (
        response.status_code,
        response.get("Location", "").replace(code, "CODE"),
        body.replace(code, "CODE"),
    )


# -- B7: misses are throttled, right codes are not --------------------------------------------------


def test_500_phones_behind_one_address_join_one_room_in_a_minute_while_a_guesser_is_slowed(
    workshop, frozen_clock
):
    """Default limits. A conference Wi-Fi: every phone and one guesser share VENUE. Each phone
    scans the QR code (GET), then taps "Let's play" (POST), 0.12 s after the one before."""
    guesses = []
    for i in range(500):
        phone = Client()
        page = phone.get(f"/join/{workshop.code}/", REMOTE_ADDR=VENUE)
        assert page.status_code == 200, i
        assert phone.get(f"/join/{workshop.code}/nickname/", REMOTE_ADDR=VENUE).status_code == 200
        seated = join(phone, workshop.code, f"Phone {i}")
        assert seated.status_code == 302 and seated.url == f"/play/{workshop.code}/", i
        if i % 5 == 0:  # the guesser tries a code as every fifth phone joins: 100 tries
            guess = Client().post("/", {"code": guessed(i)}, REMOTE_ADDR=VENUE)
            guesses.append(TOO_FAST in guess.content.decode())
        frozen_clock.advance(0.12)
    assert len(service.read_state(workshop.pk).people) == 500
    assert guesses == [False] * 30 + [True] * 70  # 30 misses a minute; all 100 came within one


def guessed(i: int) -> str:
    return "ZZZ" + CODE_ALPHABET[i % 31] + CODE_ALPHABET[i // 31 % 31] + "Z"


def test_right_codes_are_never_counted_against_an_address(workshop, settings, frozen_clock):
    settings.UPSERVE_CODE_MISSES_PER_ADDRESS = (3, 60)
    for _ in range(50):
        assert Client().get(f"/join/{workshop.code}/", REMOTE_ADDR=VENUE).status_code == 200
        assert Client().post("/", {"code": workshop.code}, REMOTE_ADDR=VENUE).status_code == 302
    assert [answer(Client(), "/join/{code}/", UNKNOWN)[0] for _ in range(5)] == [404] * 3 + [
        429
    ] * 2


def test_a_room_an_address_found_stays_open_to_it_once_its_misses_are_spent(
    workshop, fiona, settings, frozen_clock
):
    from workshop.rooms import workshop_create

    settings.UPSERVE_CODE_MISSES_PER_ADDRESS = (3, 60)
    other = workshop_create(owner=fiona, title="Next door", team_count=2, deck=None)
    assert Client().get(f"/join/{workshop.code}/", REMOTE_ADDR=VENUE).status_code == 200
    for _ in range(3):
        Client().post("/", {"code": UNKNOWN}, REMOTE_ADDR=VENUE)
    # The venue's room still opens for its late phones ...
    assert join(Client(), workshop.code, "Late Lou").status_code == 302
    # ... but any other code, real or not, gets the one refusal, so it tells the guesser nothing.
    assert answer(Client(), "/join/{code}/", other.code)[0] == 429
    assert answer(Client(), "/join/{code}/", other.code) == answer(
        Client(), "/join/{code}/", "QQQQQQ"
    )
    # Another address is not held back by this one's guesses.
    assert Client().get(f"/join/{other.code}/", REMOTE_ADDR=ELSEWHERE).status_code == 200
    frozen_clock.advance(60)
    assert answer(Client(), "/join/{code}/", other.code)[0] == 200


def test_one_machine_cannot_take_a_fresh_ipv6_address_for_every_guess(settings, frozen_clock):
    settings.UPSERVE_CODE_MISSES_PER_ADDRESS = (3, 60)
    statuses = [
        Client().post("/", {"code": UNKNOWN}, REMOTE_ADDR=f"2001:db8:1:2::{i:x}").status_code
        for i in range(5)
    ]
    assert statuses == [200] * 3 + [429] * 2
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1" == address_key("192.0.2.1")


# -- B8: the same answer and the same throttle on every page that takes a code ----------------------

CODE_PAGES = [
    "/join/{code}/",
    "/join/{code}/nickname/",
    "/qr/{code}.svg",
    "/play/{code}/",
    "/debrief/{code}/me/",
    "/debrief/{code}/me.json",
]
# Pages only a seat may see: a real running room without your seat is any other code to them.
SEAT_PAGES = ["/play/{code}/", "/debrief/{code}/me/", "/debrief/{code}/me.json"]


@pytest.mark.parametrize("path", SEAT_PAGES)
def test_a_real_room_without_your_seat_answers_like_a_random_code(workshop, path):
    assert answer(Client(), path, workshop.code) == answer(Client(), path, UNKNOWN)


@pytest.mark.parametrize("path", CODE_PAGES)
def test_an_ended_room_answers_like_a_random_code(workshop, path):
    facilitate(workshop, EndWorkshop())
    assert answer(Client(), path, workshop.code) == answer(Client(), path, UNKNOWN)


@pytest.mark.parametrize("path", CODE_PAGES)
def test_a_banned_device_gets_the_random_codes_answer(workshop, path):
    troll = Client()
    join(troll, workshop.code, "Troll")
    (pid,) = service.read_state(workshop.pk).people
    facilitate(workshop, RemoveParticipant(pid, ban=True))
    assert answer(troll, path, workshop.code) == answer(troll, path, UNKNOWN)


@pytest.mark.parametrize("path", CODE_PAGES)
def test_every_page_that_takes_a_code_counts_misses_and_refuses_alike_once_they_are_spent(
    workshop, path, settings, frozen_clock
):
    """/play/ and /debrief/me/ send a visitor without a seat to the join page, which counts."""
    settings.UPSERVE_CODE_MISSES_PER_ADDRESS = (4, 60)

    def status(code: str) -> int:
        return Client().get(path.format(code=code), follow=True, REMOTE_ADDR=VENUE).status_code

    assert 429 not in [status(f"ZZZZZ{c}") for c in "2345"]
    assert [status("ZZZZZ6"), status(workshop.code)] == [429, 429]  # the real room too
    assert answer(Client(), "/join/{code}/", workshop.code)[2].count(TOO_FAST) == 1


def test_a_seat_still_opens_its_pages_whatever_the_miss_count(workshop, settings, frozen_clock):
    settings.UPSERVE_CODE_MISSES_PER_ADDRESS = (1, 60)
    phone = Client()
    join(phone, workshop.code, "Ann")
    for _ in range(3):
        phone.post("/", {"code": UNKNOWN}, REMOTE_ADDR=VENUE)
    assert phone.get(f"/play/{workshop.code}/", REMOTE_ADDR=VENUE).status_code == 200
    back = phone.get(f"/join/{workshop.code}/", REMOTE_ADDR=VENUE)
    assert back.status_code == 302 and back.url == f"/play/{workshop.code}/"
    facilitate(workshop, EndWorkshop())
    assert phone.get(f"/debrief/{workshop.code}/me.json", REMOTE_ADDR=VENUE).status_code == 200


def test_an_unknown_code_in_a_link_gets_the_landing_form_with_a_sentence(client):
    response = client.get(f"/join/{UNKNOWN}/")
    page = response.content.decode()
    assert response.status_code == 404 and NOT_FOUND in page
    assert re.search(rf'name="code"[^>]*value="{UNKNOWN}"', page)


# -- B8: what a locked room tells a newcomer -------------------------------------------------------


def test_a_locked_room_tells_a_late_arrival_why_on_every_door(workshop):
    facilitate(workshop, LockJoining(True))
    typed = Client().post("/", {"code": workshop.code.lower()})
    assert typed.status_code == 302 and typed.url == f"/join/{workshop.code}/"
    page = Client().get(typed.url)
    assert page.status_code == 200 and REFUSALS["joining_locked"] in page.content.decode()
    tried = join(Client(), workshop.code, "Late Lou")
    assert tried.status_code == 200 and REFUSALS["joining_locked"] in tried.content.decode()
    assert service.read_state(workshop.pk).people == {}
    assert Client().get(f"/join/{workshop.code}/nickname/").status_code == 200
    assert Client().get(f"/qr/{workshop.code}.svg").status_code == 200
    facilitate(workshop, LockJoining(False))
    assert join(Client(), workshop.code, "Late Lou").status_code == 302


def test_an_open_room_shows_no_refusal(client, workshop):
    assert 'id="join-refusal"' not in client.get(f"/join/{workshop.code}/").content.decode()


# -- B13: what a ban holds against ------------------------------------------------------------------

STORED = "kept-in-local-storage-1"


def test_a_ban_holds_when_the_browser_cleared_its_cookies_but_kept_its_storage(workshop):
    troll = Client()
    assert join(troll, workshop.code, "Troll", device=STORED).status_code == 302
    assert troll.cookies["upserve_device"].value == STORED  # the stored id becomes the cookie's
    (pid,) = service.read_state(workshop.pk).people
    facilitate(workshop, RemoveParticipant(pid, ban=True))
    cleared = Client()  # no cookies at all; device.js sends what storage kept
    again = join(cleared, workshop.code, "Nice Person", device=STORED)
    assert again.status_code == 404 and NOT_FOUND in again.content.decode()
    assert service.read_state(workshop.pk).people == {}


def test_a_ban_holds_when_the_browser_kept_its_cookie_but_sends_another_stored_id(workshop):
    troll = Client()
    join(troll, workshop.code, "Troll")
    (pid,) = service.read_state(workshop.pk).people
    facilitate(workshop, RemoveParticipant(pid, ban=True))
    assert (
        join(troll, workshop.code, "Nice Person", device="made-up-fresh-device").status_code == 404
    )


def test_a_private_window_is_a_new_device_and_may_join_after_a_ban(workshop):
    """What a ban cannot do without accounts, as the README says: a browser that lost both its
    cookie and its storage (a private window, cleared site data, another phone) is a newcomer."""
    troll = Client()
    join(troll, workshop.code, "Troll", device=STORED)
    (pid,) = service.read_state(workshop.pk).people
    facilitate(workshop, RemoveParticipant(pid, ban=True))
    assert join(Client(), workshop.code, "Troll Again").status_code == 302


def test_a_malformed_stored_id_is_ignored(workshop):
    phone = Client()
    assert join(phone, workshop.code, "Ann", device="<script>").status_code == 302
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", phone.cookies["upserve_device"].value)


def test_the_join_page_carries_the_device_id_for_the_storage_script(client, workshop):
    page = client.get(f"/join/{workshop.code}/").content.decode()
    device = client.cookies["upserve_device"].value
    assert f'<input type="hidden" name="device" value="{device}">' in page
    assert 'src="/static/upserve/device.js"' in page


# -- C20: the join form speaks the game's refusal ---------------------------------------------------


@pytest.mark.parametrize("nickname", ["", "   ", "x" * 25, "Ann\x00"])
def test_a_bad_nickname_on_the_join_form_gets_the_nickname_invalid_sentence(
    client, workshop, nickname
):
    page = join(client, workshop.code, nickname).content.decode()
    assert REFUSALS["nickname_invalid"].replace("'", "&#x27;") in page
    assert "This field is required" not in page and "at most 24" not in page
    assert service.read_state(workshop.pk).people == {}
