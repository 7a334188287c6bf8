"""A facilitator's socket is cut as soon as the right to drive the room is gone."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client as Browser

from tests.game.wsclient import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


async def console(workshop, user) -> Client:
    client = Client(workshop.code, user=user)
    assert (await client.hello("facilitator"))["type"] == "welcome"
    assert (await client.receive())["type"] == "snapshot"
    return client


async def is_cut_off(client: Client) -> bool:
    """The socket says auth_failed and closes with 4401."""
    notice = await client.receive()
    closed = await client.communicator.receive_output(timeout=3)
    return (notice["code"], closed["type"], closed.get("code")) == (
        "auth_failed",
        "websocket.close",
        4401,
    )


@database_sync_to_async
def logged_in_browser(user) -> Browser:
    browser = Browser()
    browser.force_login(user, backend=MODEL_BACKEND)
    return browser


@database_sync_to_async
def gina_cofacilitates(workshop, django_user_model):
    gina = django_user_model.objects.create_user(username="gina", password="another horse 7")
    workshop.cofacilitators.add(gina)
    return gina


async def test_logging_out_cuts_the_consoles_socket_of_that_session(workshop, fiona):
    browser = await logged_in_browser(fiona)
    boss = Client(workshop.code)
    boss.communicator.scope["session"] = browser.session
    assert (await boss.hello("facilitator"))["type"] == "welcome"
    await boss.receive()  # snapshot
    response = await database_sync_to_async(browser.post)("/accounts/logout/")
    assert response.status_code == 302
    assert await is_cut_off(boss)


async def test_deactivating_the_user_cuts_their_sockets(workshop, fiona):
    boss = await console(workshop, fiona)
    fiona.is_active = False
    await database_sync_to_async(fiona.save)()
    assert await is_cut_off(boss)


async def test_removing_a_cofacilitator_cuts_their_socket_and_no_one_elses(
    workshop, fiona, django_user_model
):
    gina = await gina_cofacilitates(workshop, django_user_model)
    helper, boss = await console(workshop, gina), await console(workshop, fiona)
    await database_sync_to_async(workshop.cofacilitators.remove)(gina)
    assert await is_cut_off(helper)
    assert (await boss.command("add_team", name="Latecomers"))["type"] == "ack"
    await boss.close()


async def test_a_removed_cofacilitator_cannot_say_hello_again(workshop, django_user_model):
    gina = await gina_cofacilitates(workshop, django_user_model)
    await database_sync_to_async(workshop.cofacilitators.remove)(gina)
    again = Client(workshop.code, user=gina)
    assert (await again.hello("facilitator"))["code"] == "auth_failed"
    await again.close()


async def test_a_session_gone_without_any_signal_is_noticed_on_the_next_check(
    workshop, fiona, settings
):
    settings.UPSERVE_RIGHTS_SECONDS = 0.1
    boss = await console(workshop, fiona)
    # Say an expired session swept by clearsessions, or a logout served by another process
    # whose word was lost: nothing tells this socket, its own check finds out.
    await database_sync_to_async(lambda: Session.objects.all().delete())()
    assert await is_cut_off(boss)


async def test_a_facilitator_whose_right_holds_keeps_driving_after_a_check(
    workshop, fiona, settings
):
    settings.UPSERVE_RIGHTS_SECONDS = 0.05
    boss = await console(workshop, fiona)
    fiona.first_name = "Fiona"
    await database_sync_to_async(fiona.save)()  # a nudge: checked, and still allowed
    await asyncio.sleep(0.3)  # a few checks go by
    assert await boss.drain() == []  # nothing but presence, and no close
    assert (await boss.command("add_team", name="Latecomers"))["type"] == "ack"
    await boss.close()
