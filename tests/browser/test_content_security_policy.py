"""The Content-Security-Policy in a real browser: the pages no other browser test walks through
(the join page's re-roll, the deck editor, the admin with its own scripts) run with nothing
blocked, and the watch that fails every browser test on a violation does see one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, USERNAME

pytestmark = pytest.mark.browser


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
    page.wait_for_load_state("load")


def test_the_watch_fails_a_test_on_an_inline_script_the_policy_blocks(devices):
    page = devices.laptop("visitor")
    visit(page, "/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__ran = true"; document.body.append(s); }"""
        )
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in devices.csp_violations)
    devices.csp_violations.clear()  # seen and proven: the fixture would fail this test otherwise


def test_the_join_page_re_rolls_a_nickname_with_its_script_allowed(devices):
    console = devices.facilitator("Policy on the phone", teams=2)
    phone = devices.phone("phone")
    visit(phone, console.join_url())
    phone.get_by_role("button", name="Re-roll").click()
    said = phone.get_by_role("status").filter(has_text="New nickname")
    expect(said).to_have_count(1)
    assert said.inner_text() == f"New nickname: {phone.get_by_label('Your nickname').input_value()}"


def test_the_deck_editor_and_the_admin_run_with_nothing_blocked(devices):
    page = devices.laptop("admin")
    visit(page, "/admin/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    for url in ["/admin/", "/admin/auth/user/", "/admin/auth/group/add/"]:
        visit(page, url)
    # The permissions picker is built by the admin's own SelectFilter2.js.
    expect(page.get_by_role("button", name=re.compile("^Choose all"))).to_have_count(1)

    for url in ["/decks/new/", "/replays/", "/cohorts/", "/archives/import/", "/decks/"]:
        visit(page, url)
    hrefs = page.locator("a[href]").evaluate_all("links => links.map((a) => a.pathname)")
    deck = next(href for href in hrefs if re.fullmatch(r"/decks/\d+/", href))
    visit(page, deck)
