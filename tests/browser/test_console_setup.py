"""The create form's plan picker: its buttons write the one plan field (card numbers in order) that
the form posts with or without the script, and the form passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import describe, violations
from tests.browser.conftest import PASSWORD, USERNAME

pytestmark = pytest.mark.browser


def test_the_picker_fills_the_plan_field_that_the_form_posts(devices):
    page = devices.laptop()
    page.goto("/accounts/login/?next=/console/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/")
    found = {"create form": violations(page)}

    cards = page.locator(".plan:not([hidden]) .plan-card-title")
    first, third = cards.nth(0).inner_text(), cards.nth(2).inner_text()
    page.get_by_role("button", name=f"Add {third} to the plan").click()
    page.get_by_role("button", name=f"Add {first} to the plan").click()
    plan = page.get_by_label("Scenarios to play, in order")
    expect(plan).to_have_value("3, 1")
    page.get_by_role("button", name=f"Move {first} up").click()
    expect(plan).to_have_value("1, 3")
    expect(page.get_by_role("status").filter(has_text=f"{first} is now number 1.")).to_be_attached()
    found["create form with a plan"] = violations(page)
    assert not any(found.values()), describe(found)

    page.get_by_label("Title").fill("Picked")
    page.get_by_label("Number of teams").fill("2")
    page.get_by_role("button", name="Create workshop").click()
    page.wait_for_url(re.compile(r"/console/[A-Z0-9]+/$"))
    code = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.goto(f"/console/?duplicate={code}")
    expect(page.get_by_label("Scenarios to play, in order")).to_have_value("1, 3")
