"""A full round as people live it, in real browsers: a facilitator on a laptop, the projector
screen and six phones in three teams. One phone goes offline in the middle of the vote; one
participant types HTML and JavaScript as their nickname and as their team's move."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.views import Phone, never_ran_script, wait_live

pytestmark = pytest.mark.browser

# Both payloads run when parsed as HTML (checked by hand in Chromium). Nicknames are at most 24
# characters, hence the shorter global for the nickname.
NICKNAMES = ["Ana", "<img src=x onerror=_x=1>", "Cleo", "Dev", "Eli", "Fox"]
NICKNAME_PAYLOAD = NICKNAMES[1]
MOVE_PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script> A loyalty card'

# The move each team writes (by the team's first member), and how every other phone rates it.
MOVES = [
    "Fix the grinder for free and show the barista how to keep it clean.",
    MOVE_PAYLOAD,
    "Ask what the customer needs before the till suggests anything.",
]
RATINGS = {MOVES[0]: ("yes", "yes"), MOVES[1]: ("no", "no"), MOVES[2]: ("yes", "unsure")}
# Four voters per move: yes/yes from all -> 100 + 20 badge bonus; no to question 1 from all ->
# flagged upsell, 0; yes x not sure -> 50.
TOTALS = [120, 0, 50]
OFFLINE = 5  # a phone of the third team: it rates the first two teams' moves


def test_a_facilitator_a_screen_and_six_phones_play_a_full_round(devices, screenshot):
    console = devices.facilitator("Browser round", teams=3)
    screen = devices.screen(console)
    link = devices.link()  # the offline phone's Wi-Fi
    phones = [
        devices.join(console, nickname, name=f"phone-{i}", via=link if i == OFFLINE else None)
        for i, nickname in enumerate(NICKNAMES)
    ]
    everyone = [console.page, screen.page, *(phone.page for phone in phones)]

    # Lobby: newcomers are balanced over the teams in turn.
    teams = [phone.team() for phone in phones]
    assert len(set(teams[:3])) == 3
    assert teams[3:] == teams[:3]
    expect(console.page.get_by_text("6 participants")).to_be_visible()
    expect(screen.page.get_by_text(console.code(), exact=True).filter(visible=True)).to_have_count(
        1
    )
    expect(screen.heading("6 people have joined")).to_be_visible()
    for nickname in NICKNAMES:
        expect(screen.page.get_by_text(nickname, exact=True).first).to_be_visible()
        expect(console.page.get_by_text(nickname, exact=True).first).to_be_visible()
    expect(phones[0].page.get_by_role("heading", name="You're in!")).to_be_visible()
    # A teammate sees the payload nickname as a name, not as markup.
    expect(phones[4].page.get_by_text(NICKNAME_PAYLOAD, exact=True).first).to_be_visible()
    shoot(screenshot, "lobby", console, screen, phones[0], everyone)

    # Brief: the scenario card on the screen and on every phone.
    scenario = console.page.get_by_label("Scenario").evaluate("s => s.selectedOptions[0].text")
    console.start_round()
    expect(screen.heading(re.compile(r"Round 1 · The scenario"))).to_be_visible()
    expect(screen.heading(scenario)).to_be_visible()
    for phone in phones:
        expect(phone.page.get_by_role("heading", name=scenario)).to_be_visible()
    shoot(screenshot, "brief", console, screen, phones[0], everyone)

    # Pitch: one member per team writes; the teammate's editor follows.
    console.advance_to("pitch")
    console.pause()
    expect(screen.page.get_by_text("0 of 3 teams have submitted")).to_be_visible()
    for writer, move in zip(phones[:3], MOVES, strict=True):
        writer.write_move(move)
    for teammate, move in zip(phones[3:], MOVES, strict=True):
        expect(teammate.page.get_by_label("Your team's move")).to_have_value(move)
    expect(screen.page.get_by_text("3 of 3 teams have submitted")).to_be_visible()
    expect(console.page.get_by_text("3 of 3 teams have a move")).to_be_visible()
    expect(console.page.get_by_text(MOVE_PAYLOAD, exact=True)).to_be_visible()
    # Before the vote a team never sees another team's move.
    expect(phones[0].page.get_by_text(MOVE_PAYLOAD)).to_have_count(0)
    shoot(screenshot, "pitch", console, screen, phones[0], everyone)

    # Vote: every phone rates the two other teams' moves, each answer a labelled radio button.
    console.advance_to("vote")
    console.pause()
    expect(screen.heading(re.compile(r"Round 1 · Vote"))).to_be_visible()
    for move in MOVES:
        expect(screen.page.get_by_text(move, exact=True)).to_be_visible()
    for i, phone in enumerate(phones):
        if i == OFFLINE:
            continue
        others = [move for t, move in enumerate(MOVES) if t != i % 3]
        expect(phone.card(MOVE_PAYLOAD)).to_have_count(1 if i % 3 != 1 else 0)
        for move in others:
            expect(phone.card(move).get_by_text(move, exact=True)).to_be_visible()
            card = phone.rate(move, *RATINGS[move])
            expect(card.get_by_text("Saved ✓")).to_be_visible()
        phone.rated(2, 2)
    console.votes_in(10)
    expect(screen.page.get_by_role("progressbar", name="10 of 12 ratings in")).to_be_visible()

    # The offline phone: rates one move online, loses the network, rates the other, comes back.
    offline = phones[OFFLINE]
    offline.page.evaluate("() => { window.__sameDocument = true; }")
    offline.rate(MOVES[0], *RATINGS[MOVES[0]])
    offline.rated(1, 2)
    console.votes_in(11)
    offline.page.context.set_offline(True)
    link.cut()
    expect(offline.page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    card = offline.rate(MOVES[1], *RATINGS[MOVES[1]])
    expect(card.get_by_role("status")).to_have_text(re.compile("^Kept on this phone"))
    console.votes_in(11)  # nothing reached the server
    # Meanwhile the facilitator adds time, which the phone can only learn once it is back.
    paused = offline.paused_timer()
    console.add_30_seconds()
    expect(console.page.get_by_text(f"{clock(paused + 30)} paused")).to_be_visible()
    expect(offline.page.get_by_text(f"{clock(paused)} paused")).to_be_visible()
    link.restore()
    offline.page.context.set_offline(False)
    wait_live(offline.page)
    expect(card.get_by_text("Saved ✓")).to_be_visible()
    offline.rated(2, 2)
    expect(offline.page.get_by_text(f"{clock(paused + 30)} paused")).to_be_visible()
    console.votes_in(12)
    expect(screen.page.get_by_role("progressbar", name="12 of 12 ratings in")).to_be_visible()
    # Resumed in place: the same document, the same identity and team, the choices still checked.
    assert offline.page.evaluate("() => window.__sameDocument") is True
    expect(offline.page.get_by_text(NICKNAMES[OFFLINE], exact=True)).to_be_visible()
    assert offline.team() == teams[OFFLINE]
    q1 = card.get_by_role("group", name=re.compile("life improve"))
    expect(q1.get_by_role("radio", name="No", exact=True)).to_be_checked()
    # No results before the reveal.
    expect(screen.page.get_by_text(re.compile("Upserve \\+|Upsell: "))).to_have_count(0)
    shoot(screenshot, "vote", console, screen, phones[0], everyone)

    # Reveal: each phone sees its own team's result; the screen all of them.
    console.advance_to("reveal")
    expect(screen.heading(re.compile(r"Round 1 · Results"))).to_be_visible()
    for t, total in enumerate(TOTALS):
        expect(phones[t].page.get_by_text(f"Team {teams[t]} scored")).to_be_visible()
        expect(phones[t].page.get_by_text(str(total), exact=True)).to_be_visible()
    expect(phones[0].page.get_by_text(re.compile("Upserve badge"))).to_be_visible()
    expect(phones[1].page.get_by_text(re.compile("Flagged as upsell"))).to_be_visible()
    expect(screen.page.get_by_text(re.compile(r"Upserve \+20"))).to_be_visible()
    expect(screen.page.get_by_text(re.compile("Upsell: 0 points"))).to_be_visible()
    results = console.page.get_by_role("table").filter(has_text="Upserve").get_by_role("row")
    for t, total in enumerate(TOTALS):
        expect(results.filter(has_text=teams[t])).to_contain_text(str(total))
    shoot(screenshot, "reveal", console, screen, phones[0], everyone)

    # Leaderboard: ranked by total, this round's points beside it.
    console.advance_to("leaderboard")
    expect(screen.heading(re.compile(r"Round 1 · Leaderboard"))).to_be_visible()
    header = screen.page.get_by_role("columnheader")
    rows = screen.page.get_by_role("row").filter(has_not=header)
    expect(rows).to_have_count(3)
    for rank, t in enumerate([0, 2, 1]):
        expect(rows.nth(rank)).to_contain_text(teams[t])
        expect(rows.nth(rank)).to_contain_text(str(TOTALS[t]))
    for rank, t in enumerate([0, 2, 1], start=1):
        for phone in (phones[t], phones[t + 3]):
            expect(phone.page.get_by_text(f"#{rank}", exact=True)).to_be_visible()
    shoot(screenshot, "leaderboard", console, screen, phones[0], everyone)

    expect(console.page.get_by_text(NICKNAME_PAYLOAD, exact=True).first).to_be_visible()


def clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def shoot(screenshot, phase: str, console, screen, phone: Phone, everyone: list[Page]) -> None:
    """Check that no participant's text ran as script on any page, then take the phase's pictures."""
    for page in everyone:
        never_ran_script(page)
    screenshot(phase, {"console": console.page, "screen": screen.page, "phone": phone.page})
