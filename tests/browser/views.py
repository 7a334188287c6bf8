"""The three views as a person uses them, found by role, label and visible text (never by CSS
path), so that the tests survive restyling."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

LIVE = re.compile(r"^\s*Live\s*$")
QUESTION_1 = "Will the customer's life improve?"
QUESTION_2 = "Will the world be better when it is over?"
ANSWER = {"yes": "Yes", "unsure": "Not sure", "no": "No"}
# The console's main button, named for the phase it leads to.
NEXT_STEP = {
    "pitch": "Start the pitch",
    "vote": "Open voting",
    "reveal": "Reveal results",
    "leaderboard": "Show the leaderboard",
}


def connection_state(page: Page) -> Locator:
    """The connection indicator: the status that reads Live, Connecting… or Reconnecting…"""
    return page.get_by_role("status").filter(
        has_text=re.compile(r"^\s*(Live|Connecting|Reconnecting|Disconnected)")
    )


def wait_live(page: Page) -> None:
    expect(connection_state(page)).to_have_text(LIVE)


def never_ran_script(page: Page) -> None:
    """Nothing typed by a participant became markup or ran as script on this page."""
    ran = page.evaluate("() => [window.__xss, window._x]")
    assert ran == [None, None], f"injected script ran on {page.url}"
    injected = page.evaluate(
        "() => document.querySelectorAll('img[src=\"x\"], svg[onload], [onerror]').length"
    )
    assert injected == 0, f"participant text became elements on {page.url}"


class Console:
    """The facilitator's console on a laptop."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def create(self, title: str, teams: int) -> None:
        page = self.page
        page.get_by_label("Title").fill(title)
        page.get_by_label("Number of teams").fill(str(teams))
        page.get_by_role("button", name="Create workshop").click()
        page.wait_for_url(re.compile(r"/console/[A-Z0-9]+/$"))
        wait_live(page)

    def join_url(self) -> str:
        return self.page.get_by_role("link", name=re.compile(r"^https?:.*join")).get_attribute(
            "href"
        )

    def code(self) -> str:
        return urlsplit(self.join_url()).path.rstrip("/").rsplit("/", 1)[-1]

    def screen_url(self) -> str:
        link = self.page.get_by_role("link", name=re.compile("Open the projector screen"))
        return link.get_attribute("href")

    def button(self, name: str | re.Pattern) -> Locator:
        return self.page.get_by_role("button", name=name, exact=isinstance(name, str))

    def start_round(self) -> None:
        self.start_round_button().click()
        expect(self.button(NEXT_STEP["pitch"])).to_be_enabled()

    def start_round_button(self) -> Locator:
        """The button that starts the next round ("Start round 2")."""
        return self.button(re.compile(r"^Start round \d+$"))

    def advance_to(self, phase: str) -> None:
        self.button(NEXT_STEP[phase]).click()
        following = {"pitch": "vote", "vote": "reveal", "reveal": "leaderboard"}.get(phase)
        if following:
            expect(self.button(NEXT_STEP[following])).to_be_visible()
        else:
            expect(self.start_round_button()).to_be_enabled()

    def pause(self) -> None:
        """Stop the phase timer, so a slow machine never sees a phase close on its own."""
        self.button("Pause the timer").click()
        expect(self.button("Resume the timer")).to_be_visible()

    def add_30_seconds(self) -> None:
        self.button(re.compile("add 30 seconds to the timer$")).click()

    def person(self, nickname: str) -> Locator:
        """The roster row of one participant."""
        return self.page.get_by_role("listitem").filter(
            has=self.page.get_by_text(nickname, exact=True)
        )

    def remove(self, nickname: str, *, ban: bool = False) -> None:
        """Kick (or ban) someone from their roster row, then confirm in the dialog that asks."""
        action = "Ban" if ban else "Kick"
        self.person(nickname).get_by_role("button", name=f"{action} {nickname}", exact=True).click()
        dialog = self.page.get_by_role("dialog", name=f"{action} {nickname}?")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name=f"{action} {nickname}", exact=True).click()
        expect(dialog).to_have_count(0)
        expect(self.person(nickname)).to_have_count(0)

    def lock_joining(self) -> None:
        self.button("Lock joining").click()
        expect(self.button("Unlock joining")).to_be_visible()

    def votes_in(self, count: int) -> None:
        expect(self.page.get_by_text(re.compile(rf"\b{count} votes in"))).to_be_visible()


class Screen:
    """The projector screen."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def wait_live(self) -> None:
        wait_live(self.page)

    def heading(self, text: str | re.Pattern) -> Locator:
        return self.page.get_by_role("heading", name=text)


class Phone:
    """A participant's phone."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def join(self, join_url: str, nickname: str) -> None:
        page = self.page
        page.goto(join_url)
        self.take_seat(nickname)

    def take_seat(self, nickname: str) -> None:
        page = self.page
        page.get_by_label("Your nickname").fill(nickname)
        page.get_by_role("button", name="Let's play").click()
        page.wait_for_url("**/play/**")
        wait_live(page)
        expect(page.get_by_text(nickname, exact=True).first).to_be_visible()

    def team(self) -> str:
        """The name of this phone's team, as the phone shows it ("Team Amber" -> "Amber")."""
        shown = self.page.get_by_text(re.compile(r"^Team \S"))
        expect(shown).to_be_visible()
        return shown.inner_text().strip().removeprefix("Team ")

    def write_move(self, text: str) -> None:
        page = self.page
        page.get_by_label("Your team's move").fill(text)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text(re.compile(r"^Saved ✓"))).to_be_visible()

    def card(self, move_text: str) -> Locator:
        """The vote card of the move whose text is ``move_text``."""
        return self.page.get_by_role("article").filter(has_text=move_text)

    def rate(self, move_text: str, q1: str, q2: str) -> Locator:
        card = self.card(move_text)
        card.get_by_role("group", name=QUESTION_1).get_by_role(
            "radio", name=ANSWER[q1], exact=True
        ).check()
        card.get_by_role("group", name=QUESTION_2).get_by_role(
            "radio", name=ANSWER[q2], exact=True
        ).check()
        return card

    def paused_timer(self) -> int:
        """The seconds left on the paused countdown the phone shows ("1:29 paused" -> 89)."""
        shown = self.page.get_by_text(re.compile(r"^\d+:\d\d paused$"))
        expect(shown).to_be_visible()
        minutes, seconds = shown.inner_text().split()[0].split(":")
        return int(minutes) * 60 + int(seconds)

    def rated(self, done: int, of: int) -> None:
        expect(self.page.get_by_text(re.compile(rf"^{done} of {of} rated"))).to_be_visible()
