"""A round played for real, then replayed: play at sixteen times speed, step forward and back, scrub the timeline,
what the replayed screen shows at given seqs, axe on the page, and the read-only share link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import describe, violations
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

MOVES = ["Stay late two nights, not five", "Offer the <b>premium</b> plan"]


def heading(page: Page, text: str):
    return page.get_by_role("heading", name=re.compile(rf"^Round 1\W+{text}"))


def seq(page: Page) -> int:
    return int(page.locator("#replay-position").get_attribute("data-seq"))


def play_one_round(devices) -> tuple:
    console = devices.facilitator("Replay demo", teams=2)
    ann = devices.join(console, "Ann")
    ben = devices.join(console, "Ben")
    console.start_round()
    console.advance_to("pitch")
    ann.write_move(MOVES[0])
    ben.write_move(MOVES[1])
    console.advance_to("vote")
    ann.rate(MOVES[1], "no", "unsure")
    ben.rate(MOVES[0], "yes", "yes")
    console.votes_in(2)
    console.advance_to("reveal")
    console.advance_to("leaderboard")
    return console, ann, ben


def open_replay(console) -> Page:
    """From the console's list of workshops to the replays, then this workshop's round 1."""
    code = console.code()
    page = console.page
    page.goto("/console/")
    page.get_by_role("link", name="Replays").click()
    mine = page.get_by_role("listitem").filter(has_text=code)
    mine.get_by_role("link", name=re.compile(r"^Round 1: ")).click()
    page.wait_for_url(re.compile(rf"/replay/{code}/\?round=1$"))
    return page


def test_a_played_round_replays_step_by_step_at_speed_and_by_scrubbing(devices):
    console, *_ = play_one_round(devices)
    page = open_replay(console)
    position = page.locator("#replay-position")
    first = seq(page)
    expect(heading(page, "The scenario")).to_be_visible()
    expect(position).to_have_text(re.compile(r"^Event 1 of \d+ · 0:00 of \d+:\d\d$"))
    page.screenshot(path=SCREENSHOTS / "replay-brief.png", full_page=True)

    # Step: one event forward is the pitch; back is the brief again, folded afresh.
    forward = page.get_by_role("button", name="Step forward")
    back = page.get_by_role("button", name="Step back")
    forward.click()
    expect(heading(page, "Teams write their move")).to_be_visible()
    assert seq(page) == first + 1
    back.click()
    expect(heading(page, "The scenario")).to_be_visible()
    assert seq(page) == first
    expect(page.get_by_role("status").filter(has_text="Event 1 of")).to_be_attached()

    # The keyboard steps too, outside the controls that use the arrows themselves.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("ArrowRight")
    expect(heading(page, "Teams write their move")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(heading(page, "The scenario")).to_be_visible()

    # Play at sixteen times speed: the replay runs through to the leaderboard and stops there.
    page.get_by_role("radio", name="16\u00d7").check()
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(heading(page, "Leaderboard")).to_be_visible()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    last = seq(page)
    expect(forward).to_be_disabled()
    page.screenshot(path=SCREENSHOTS / "replay-leaderboard.png", full_page=True)

    # Scrub: the start of the timeline is the round's first event, the end its last.
    timeline = page.get_by_role("slider", name="Timeline")
    timeline.fill("0")
    expect(heading(page, "The scenario")).to_be_visible()
    assert seq(page) == first
    timeline.fill(timeline.get_attribute("max"))
    expect(heading(page, "Leaderboard")).to_be_visible()
    assert seq(page) == last

    # Step back from the end to the vote: both moves on the screen, their text never markup.
    while not heading(page, "Vote on your phones").is_visible():
        back.click()
    for move in MOVES:
        expect(page.get_by_text(move, exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar", name="2 of 2 ratings in")).to_be_visible()
    assert page.locator(".replay-screen b").count() == 0
    at_vote = seq(page)
    page.screenshot(path=SCREENSHOTS / "replay-vote.png", full_page=True)

    # Whichever way it got to that seq, the page shows the same: scrub away and step back to it.
    shown = page.locator(".replay-screen").inner_text()
    timeline.fill("0")
    while seq(page) < at_vote:
        forward.click()
    assert page.locator(".replay-screen").inner_text() == shown

    # The timeline marks phase changes, joins (none in this round), moves and votes.
    assert page.locator("#timeline-marks .mark.join").count() == 0
    assert page.locator("#timeline-marks .mark.move").count() == 2
    assert page.locator("#timeline-marks .mark.vote").count() == 2
    assert page.locator("#timeline-marks .mark.phase").count() >= 5

    found = {"replay at the vote": violations(page)}
    forward.click()
    expect(heading(page, "Results")).to_be_visible()
    found["replay at the reveal"] = violations(page)
    assert not any(found.values()), describe(found)


def test_a_shared_replay_is_read_only_and_dies_when_revoked(devices):
    console, *_ = play_one_round(devices)
    page = open_replay(console)
    page.get_by_text("Share this replay read-only").click()
    page.get_by_role("button", name="Create a read-only link").click()
    link = page.get_by_label("Read-only link for your client").input_value()

    client = devices.open("client", viewport={"width": 1366, "height": 768})
    client.goto(link)
    expect(heading(client, "The scenario")).to_be_visible()
    expect(client.get_by_role("button", name="Step forward")).to_be_enabled()
    expect(client.get_by_text("Share this replay read-only")).to_have_count(0)
    expect(client.get_by_role("link", name="Upserve")).to_have_count(0)
    client.screenshot(path=SCREENSHOTS / "replay-shared.png", full_page=True)
    assert not violations(client), describe({"shared replay": violations(client)})

    page.get_by_role("button", name="Revoke the link").click()
    expect(page.get_by_text("The shared replay link no longer works.")).to_be_visible()
    assert client.goto(link).status == 404
