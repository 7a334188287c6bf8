"""Doors live-quiz tools leave open, shut: join floods, code guessing, bans, forged forms."""

import pytest
from django.test import Client

from game import service
from game.core.commands import EndWorkshop, LockJoining, RemoveParticipant
from game.core.model import FACILITATOR
from game.core.refusals import REFUSALS
from workshop.models import CODE_ALPHABET, CODE_LENGTH, new_room_code

pytestmark = pytest.mark.django_db

BOT, PHONE = "10.9.9.9", "10.1.1.1"


def join(client: Client, workshop, nickname: str, address: str = PHONE):
    return client.post(f"/join/{workshop.code}/", {"nickname": nickname}, REMOTE_ADDR=address)


def facilitate(workshop, command):
    assert service.submit(workshop_id=workshop.pk, actor=FACILITATOR, command=command).ok


def test_a_flood_of_scripted_joins_is_throttled_while_a_real_phone_gets_in(
    workshop, settings, frozen_clock
):
    settings.UPSERVE_JOINS_PER_ADDRESS = (60, 60)
    statuses = [join(Client(), workshop, f"Bot {i}", BOT).status_code for i in range(1000)]
    assert statuses.count(429) >= 940
    assert len(service.read_state(workshop.pk).people) <= 60
    phone = join(Client(), workshop, "Real Phone")
    assert phone.status_code == 302 and phone.url == f"/play/{workshop.code}/"


def test_a_workshop_caps_how_fast_anyone_joins_it(workshop, settings, frozen_clock):
    settings.UPSERVE_JOINS_PER_WORKSHOP = (20, 60)
    statuses = [
        join(Client(), workshop, f"Guest {i}", f"10.2.0.{i}").status_code for i in range(40)
    ]
    assert (statuses.count(302), statuses.count(429)) == (20, 20)


def test_a_wrong_code_an_ended_room_and_a_banned_device_look_the_same(workshop):
    wrong = landing_answer(Client(), "ZZZZZZ")
    troll = Client()
    join(troll, workshop, "Troll")
    pid = next(iter(service.read_state(workshop.pk).people))
    facilitate(workshop, RemoveParticipant(pid, ban=True))
    assert landing_answer(troll, workshop.code) == wrong
    facilitate(workshop, EndWorkshop())
    assert landing_answer(Client(), workshop.code) == wrong


def landing_answer(client: Client, code: str) -> tuple[int, str]:
    response = client.post("/", {"code": code})
    return response.status_code, without_csrf(response.content.decode().replace(code, "CODE"))


def without_csrf(page: str) -> str:
    return "".join(line for line in page.splitlines() if "csrfmiddlewaretoken" not in line)


def test_guessing_room_codes_is_rate_limited_per_address(client, workshop, settings, frozen_clock):
    settings.UPSERVE_CODE_MISSES_PER_ADDRESS = (5, 60)
    replies = [client.post("/", {"code": "ZZZZZZ"}) for _ in range(8)]
    assert ["Too many tries" in r.content.decode() for r in replies] == [False] * 5 + [True] * 3
    assert replies[-1].status_code == 429
    frozen_clock.advance(60)
    assert "Too many tries" not in client.post("/", {"code": "ZZZZZZ"}).content.decode()


def test_room_codes_come_from_a_large_secure_space():
    codes = {new_room_code() for _ in range(5000)}
    # 5,000 draws from 887 million collide about once in 70 runs: allow a few, not a pattern.
    assert len(codes) >= 4995
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 500_000_000


def test_a_seat_is_held_for_a_returning_phone_in_a_locked_room(workshop):
    phone = Client()
    join(phone, workshop, "Alice")
    facilitate(workshop, LockJoining(True))
    back = phone.get(f"/join/{workshop.code}/")
    assert back.status_code == 302 and back.url == f"/play/{workshop.code}/"
    newcomer = Client().get(f"/join/{workshop.code}/")
    assert newcomer.status_code == 200
    assert REFUSALS["joining_locked"] in newcomer.content.decode()


def test_a_banned_device_cannot_take_a_new_seat(workshop):
    phone = Client()
    join(phone, workshop, "Troll")
    pid = next(iter(service.read_state(workshop.pk).people))
    facilitate(workshop, RemoveParticipant(pid, ban=True))
    assert phone.get(f"/play/{workshop.code}/").status_code == 302  # the seat is gone
    again = join(phone, workshop, "Nice Person")
    assert again.status_code == 404 and "No open workshop has that code" in again.content.decode()
    assert [p.nickname for p in service.read_state(workshop.pk).people.values()] == []


def test_a_kicked_but_not_banned_participant_may_join_again(workshop):
    phone = Client()
    join(phone, workshop, "Alice")
    pid = next(iter(service.read_state(workshop.pk).people))
    facilitate(workshop, RemoveParticipant(pid))
    assert join(phone, workshop, "Alice").url == f"/play/{workshop.code}/"


def test_a_nickname_with_a_blocked_word_is_refused_kindly(client, workshop):
    page = join(client, workshop, "Sh1t Happens").content.decode()
    assert "Please keep it friendly" in page


def test_forms_are_protected_against_cross_site_requests(workshop, fiona):
    forged = Client(enforce_csrf_checks=True)
    assert forged.post(f"/join/{workshop.code}/", {"nickname": "Mallory"}).status_code == 403
    forged.force_login(fiona)
    assert forged.post("/console/", {"title": "Forged", "teams": 2}).status_code == 403
