"""axe-core on the phone, the console and the screen at every phase of a round: no serious or
critical violation anywhere, and headings a screen reader can navigate by."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import describe, violations

pytestmark = pytest.mark.browser

MOVES = ["Offer the oat milk they asked for, at no extra charge.", "Suggest the loyalty card."]


def test_no_view_has_a_serious_or_critical_accessibility_violation_at_any_phase(devices):
    found: dict[str, list[dict]] = {}

    def check(phase: str, views: dict[str, Page]) -> None:
        for view, page in views.items():
            found[f"{phase} · {view} · {page.url}"] = violations(page)

    console = devices.facilitator("Accessibility", teams=2)
    screen = devices.screen(console)
    joining = devices.phone("phone-0")
    joining.goto("/")
    check("landing", {"phone": joining})
    joining.goto(console.join_url())
    check("join", {"phone": joining})
    phones = [
        devices.join(console, "Ana", name="phone-1"),
        devices.join(console, "Ben", name="phone-2"),
    ]
    views = {"console": console.page, "screen": screen.page, "phone": phones[0].page}
    check("lobby", views)

    # The confirmation a kick asks for: checked while open, and Escape backs out of it.
    console.person("Ben").get_by_role("button", name="Kick Ben", exact=True).click()
    dialog = console.page.get_by_role("dialog", name="Kick Ben?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    check("kick dialog", {"console": console.page})
    console.page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(console.person("Ben")).to_have_count(1)

    console.start_round()
    check("brief", views)

    console.advance_to("pitch")
    console.pause()
    for phone, move in zip(phones, MOVES, strict=True):
        phone.write_move(move)
    check("pitch", views)

    console.advance_to("vote")
    console.pause()
    phones[0].rate(MOVES[1], "yes", "unsure")
    phones[0].rated(1, 1)
    check("vote", views)

    console.advance_to("reveal")
    check("reveal", views)

    console.advance_to("leaderboard")
    check("leaderboard", views)

    problems = describe(found)
    assert not problems, f"axe-core found serious or critical violations:\n{problems}"


def test_the_check_reports_an_unlabelled_control_faint_text_and_skipped_headings(browser):
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="en"><title>t</title><main><h2>Join</h2><h4>Now</h4>'
            '<input type="text"><p style="color:#bbb;background:#fff">faint</p></main></html>'
        )
        found = {v["id"] for v in violations(page)}
    finally:
        page.close()
    assert {"label", "color-contrast", "heading-order", "page-has-heading-one"} <= found
