"""Moderation as the facilitator does it from the console, seen from the phones: removing
someone (they may come back), banning someone (they may not), locking the room."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.views import Phone, wait_live

pytestmark = pytest.mark.browser

REFUSED = re.compile("No open workshop has that code")
LOCKED = "This room is not taking new participants right now."


def test_a_removed_phone_is_told_and_can_join_again(devices):
    console = devices.facilitator("Moderation: remove", teams=2)
    screen = devices.screen(console)
    phone = devices.join(console, "Rosa")
    devices.join(console, "Sam")
    expect(screen.page.get_by_text("Rosa", exact=True).first).to_be_visible()

    console.remove("Rosa")

    expect(phone.page.get_by_role("status").filter(has_text="Disconnected")).to_be_visible()
    expect(screen.page.get_by_text("Rosa", exact=True)).to_have_count(0)
    phone.join(console.join_url(), "Rosa")
    expect(console.person("Rosa")).to_have_count(1)
    expect(screen.page.get_by_text("Rosa", exact=True).first).to_be_visible()


def test_a_banned_phone_cannot_join_again_not_even_with_a_fresh_nickname(devices):
    console = devices.facilitator("Moderation: ban", teams=2)
    phone = Phone(devices.phone("troll"))
    # A second tab on the same phone opened the join form before the ban and still shows it.
    stale = phone.page.context.new_page()
    stale.goto(console.join_url())
    expect(stale.get_by_label("Your nickname")).to_be_visible()
    phone.join(console.join_url(), "Troll")
    devices.join(console, "Uma")

    console.remove("Troll", ban=True)

    expect(phone.page.get_by_role("status").filter(has_text="Disconnected")).to_be_visible()
    # Scanning the QR code again: the room looks like it does not exist.
    phone.page.goto(console.join_url())
    expect(phone.page.get_by_text(REFUSED)).to_be_visible()
    expect(phone.page.get_by_label("Your nickname")).to_have_count(0)
    # Typing the room code on the landing page: the same answer.
    phone.page.get_by_label("Room code").fill(console.code())
    phone.page.get_by_role("button", name="Join").click()
    expect(phone.page.get_by_text(REFUSED)).to_be_visible()
    # The form opened before the ban, sent with a new nickname: refused too.
    stale.get_by_label("Your nickname").fill("Totally new")
    stale.get_by_role("button", name="Let's play").click()
    expect(stale.get_by_text(REFUSED)).to_be_visible()
    expect(console.person("Totally new")).to_have_count(0)
    # Clearing cookies does not lift the ban: the browser's storage kept its device id.
    phone.page.context.clear_cookies()
    phone.page.goto(console.join_url())
    phone.page.get_by_label("Your nickname").fill("Cookie Monster")
    phone.page.get_by_role("button", name="Let's play").click()
    expect(phone.page.get_by_text(REFUSED)).to_be_visible()
    expect(console.person("Cookie Monster")).to_have_count(0)
    expect(console.page.get_by_text("1 participant", exact=True)).to_be_visible()


def test_a_locked_room_lets_a_returning_phone_back_in_and_refuses_a_new_one(devices):
    console = devices.facilitator("Moderation: lock", teams=2)
    screen = devices.screen(console)
    regular = devices.join(console, "Vera")
    team = regular.team()

    console.lock_joining()
    expect(screen.page.get_by_text("Joining is closed.")).to_be_visible()

    # The regular's phone closed the tab; scanning the QR code again puts them back in their seat.
    context = regular.page.context
    regular.page.close()
    back = context.new_page()
    back.goto(console.join_url())
    back.wait_for_url("**/play/**")
    wait_live(back)
    expect(back.get_by_text("Vera", exact=True)).to_be_visible()
    expect(back.get_by_text(f"Team {team}", exact=True)).to_be_visible()

    # A late arrival is told why, and trying anyway seats nobody.
    newcomer = devices.phone("newcomer")
    newcomer.goto(console.join_url())
    expect(newcomer.get_by_role("alert").filter(has_text=LOCKED)).to_be_visible()
    newcomer.get_by_label("Your nickname").fill("Late Lou")
    newcomer.get_by_role("button", name="Let's play").click()
    expect(newcomer.get_by_role("alert").filter(has_text=LOCKED)).to_be_visible()
    expect(console.page.get_by_text("1 participant", exact=True)).to_be_visible()
    expect(console.person("Late Lou")).to_have_count(0)
