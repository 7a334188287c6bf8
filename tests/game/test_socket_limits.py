"""One phone cannot hold unbounded sockets, messages or rows; silent sockets do not linger."""

import pytest
from channels.db import database_sync_to_async

from tests.game.test_consumers import phone, seat
from tests.game.wsclient import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def closed_with(client: Client) -> int | None:
    output = await client.communicator.receive_output(timeout=3)
    return output.get("code") if output["type"] == "websocket.close" else None


async def pings_answered(client: Client, pings: int) -> list[str]:
    for _ in range(pings):
        await client.send({"type": "ping", "id": "p"})
    return [(await client.receive()).get("code", "pong") for _ in range(pings)]


async def test_one_seat_keeps_only_its_newest_sockets(workshop):
    token = await seat(workshop, "Alice")
    phones = []
    for _ in range(7):  # the default cap is 5
        phones.append(await phone(workshop, token))
        await phones[-1].receive()  # snapshot
    for oldest in phones[:2]:
        notice = await oldest.receive()
        assert notice["code"] == "replaced" and "too many connections" in notice["message"]
        assert await closed_with(oldest) == 4409
    for kept in phones[2:]:
        assert await pings_answered(kept, 1) == ["pong"]
        await kept.close()


async def test_a_seats_sockets_share_one_message_rate(workshop, settings):
    settings.UPSERVE_MESSAGES_PER_SECOND = 0.001  # no refill while the test runs
    settings.UPSERVE_MESSAGE_BURST = 4
    token = await seat(workshop, "Alice")
    first, second = await phone(workshop, token), await phone(workshop, token)
    await first.receive(), await second.receive()
    assert await pings_answered(first, 3) == ["pong"] * 3
    assert await pings_answered(second, 2) == ["pong", "rate_limited"]
    # Another seat has a rate of its own.
    bob = await phone(workshop, await seat(workshop, "Bob"))
    await bob.receive()
    assert await pings_answered(bob, 1) == ["pong"]
    for client in (first, second, bob):
        await client.close()


async def test_one_address_holds_at_most_its_cap_of_sockets(workshop, settings):
    settings.UPSERVE_SOCKETS_PER_ADDRESS = 2

    def from_address(address: str) -> Client:
        client = Client(workshop.code)
        client.communicator.scope["client"] = [address, 50000]
        return client

    held = [from_address("203.0.113.7") for _ in range(2)]
    for client in held:
        await client.open()
    third = from_address("203.0.113.7")
    await third.open()
    notice = await third.receive()
    assert notice["code"] == "too_many_connections" and notice["message"]
    assert await closed_with(third) == 4429
    elsewhere = from_address("198.51.100.9")
    await elsewhere.open()
    assert await pings_answered(elsewhere, 1) == ["pong"]
    await held[0].close()  # a place comes free
    again = from_address("203.0.113.7")
    await again.open()
    assert await pings_answered(again, 1) == ["pong"]
    for client in (held[1], elsewhere, again):
        await client.close()


async def test_one_ipv6_machine_cannot_take_a_fresh_address_for_every_socket(workshop, settings):
    settings.UPSERVE_SOCKETS_PER_ADDRESS = 2
    clients = []
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"):
        client = Client(workshop.code)
        client.communicator.scope["client"] = [host, 50000]
        await client.open()
        clients.append(client)
    notice = await clients[-1].receive()
    assert notice["code"] == "too_many_connections"  # one /64 is one address
    assert await closed_with(clients[-1]) == 4429
    for client in clients[:2]:
        await client.close()


async def test_a_socket_that_never_says_hello_is_closed(workshop, settings):
    settings.UPSERVE_HELLO_SECONDS = 0.2
    silent = Client(workshop.code)
    await silent.open()
    notice = await silent.receive()
    assert notice["code"] == "hello_timeout" and "0.2 seconds" in notice["message"]
    assert await closed_with(silent) == 4408


async def test_a_socket_that_said_hello_in_time_stays_open(workshop, settings):
    settings.UPSERVE_HELLO_SECONDS = 0.2
    alice = await phone(workshop, await seat(workshop, "Alice"))
    await alice.receive()
    assert await alice.communicator.receive_nothing(timeout=0.5)
    assert await pings_answered(alice, 1) == ["pong"]
    await alice.close()


async def test_a_message_over_the_rate_is_refused_with_its_id(workshop, settings):
    settings.UPSERVE_MESSAGES_PER_SECOND = 0.001
    settings.UPSERVE_MESSAGE_BURST = 1
    client = Client(workshop.code)
    await client.open()
    await client.send({"type": "ping"})
    assert (await client.receive())["type"] == "pong"
    await client.send({"type": "advance", "id": "c-9"})
    reply = await client.receive()
    assert (reply["code"], reply["id"]) == ("rate_limited", "c-9")
    await client.close()


async def test_text_with_control_characters_is_refused_with_the_commands_id(workshop):
    alice = await phone(workshop, await seat(workshop, "Alice"))
    await alice.receive()
    await alice.send({"type": "rename", "id": "c-7", "nickname": "Al\u0000ice"})
    reply = await alice.receive()
    assert (reply["code"], reply["id"]) == ("bad_text", "c-7")
    await alice.send({"type": "rename", "id": "c-\u0007", "nickname": "Al\u0000ice"})
    assert (await alice.receive())["id"] is None  # the id itself is unreadable
    await alice.close()


@database_sync_to_async
def receipts_of(workshop, token) -> int:
    from game.models import Receipt
    from game.tokens import read_participant_token

    actor = f"participant:{read_participant_token(token, workshop.pk)}"
    return Receipt.objects.filter(workshop=workshop, actor=actor).count()


async def test_one_token_on_many_sockets_gets_one_seats_sockets_rate_and_rows(workshop, settings):
    settings.UPSERVE_MESSAGES_PER_SECOND = 0.001  # no refill while the test runs
    settings.UPSERVE_REFUSED_RECEIPTS_PER_SENDER = 10
    token = await seat(workshop, "Mallory")
    opened = []
    for _ in range(12):
        opened.append(await phone(workshop, token))
        await opened[-1].receive()  # snapshot
    for gone in opened[:7]:
        assert (await gone.receive())["code"] == "replaced"
        assert await closed_with(gone) == 4409
    answers = []
    for n in range(20):  # no round yet: the rules refuse every vote
        for i, client in enumerate(opened[7:]):
            vote = {"type": "vote", "id": f"v{i}-{n}", "team": "t1", "q1": "yes", "q2": "yes"}
            await client.send(vote)
    for client in opened[7:]:
        answers += [(await client.receive()).get("code") for _ in range(20)]
        await client.close()
    assert answers.count("no_round") == 40  # the seat's one burst, across its five sockets
    assert answers.count("rate_limited") == 60
    assert await receipts_of(workshop, token) == 10


async def test_a_hello_that_came_in_time_but_waits_for_a_busy_database_is_not_cut(
    workshop, settings, monkeypatch
):
    import time

    from game.consumers import GameConsumer

    settings.UPSERVE_HELLO_SECONDS = 0.1
    enter = GameConsumer._enter

    def slow_enter(self, *args):
        time.sleep(0.4)  # a reconnect storm's queue on the database thread
        return enter(self, *args)

    monkeypatch.setattr(GameConsumer, "_enter", slow_enter)
    alice = await phone(workshop, await seat(workshop, "Alice"))
    assert (await alice.receive())["type"] == "snapshot"
    assert await pings_answered(alice, 1) == ["pong"]
    await alice.close()
