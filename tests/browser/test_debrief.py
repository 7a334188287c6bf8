"""The debrief in a real browser: a finished two-round workshop (seeded through the one write
path), the facilitator's report with the core's numbers, printed to PDF, a phone's commitment
reaching the facilitator, and axe on the page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import describe, violations
from tests.browser.conftest import SCREENSHOTS
from tests.browser.views import wait_live
from tests.servers import manage

pytestmark = pytest.mark.browser

SEED = """
import json
from game import service
from game.core.debrief import debrief
from tests.workshop.debrief_seed import play_two_rounds
from workshop.models import Workshop
workshop = Workshop.objects.get(code={code!r})
seats = play_two_rounds(workshop)
print("SEEDED", json.dumps({{"seats": seats, "report": debrief(service.read_state(workshop.pk))}}))
"""


def test_the_debrief_shows_the_cores_numbers_prints_and_collects_commitments(devices, server):
    console = devices.facilitator("Debrief workshop", teams=2)
    code = console.code()
    output = manage(server.env, "shell", "-c", SEED.format(code=code))
    seeded = json.loads(output.split("SEEDED ", 1)[1])
    report = seeded["report"]

    page = console.page
    page.goto(f"/debrief/{code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Debrief: Debrief workshop")
    expect(page.locator("body")).to_have_attribute("data-charts", re.compile(r"^[1-9]"))
    for current in report["rounds"]:
        section = page.locator(f"section.round[data-round='{current['round']}']")
        expect(section.get_by_role("heading", level=2)).to_contain_text(current["title"])
        expect(section).to_contain_text(current["prompt"])
        for move in current["moves"]:
            row = section.locator(f"table.numbers tr[data-team='{move['team']}']").first
            expect(row.locator("td.x")).to_have_text(f"{move['position']['x']}%")
            expect(row.locator("td.y")).to_have_text(f"{move['position']['y']}%")
            expect(row.locator("td.split")).to_have_text(f"{round(move['split']['room'] * 100)}%")
            expect(row.locator("td.total")).to_contain_text(str(move["total"]))
    best = report["most_improved"]
    expect(page.get_by_text(re.compile(r"^Most improved"))).to_contain_text(best["team_name"])
    final = report["standings"][-1]["rows"]
    for row in final:
        cell = page.locator(f"#standings-table tr[data-round='2'] td[data-team='{row['team']}']")
        expect(cell).to_have_attribute("data-total", str(row["total"]))

    found = violations(page)
    assert not found, describe({"debrief": found})

    # A phone writes its commitment; the facilitator's debrief shows it.
    alice = devices.phone("alice")
    alice.context.add_cookies(
        [
            {
                "name": f"upserve_seat_{code}",
                "value": seeded["seats"]["Alice"]["token"],
                "url": server.url,
            }
        ]
    )
    alice.goto(f"/play/{code}/")
    wait_live(alice)
    expect(alice.get_by_role("heading", name="Your debrief")).to_be_visible()
    expect(alice.get_by_text("Offer a bigger cup")).to_be_visible()
    alice.get_by_label("My upserving move for Monday").fill("Ask before I offer <b>anything</b>.")
    alice.get_by_role("button", name="Save my commitment").click()
    expect(alice.get_by_role("status").filter(has_text="Saved")).to_be_visible()

    page.reload()
    expect(page.locator("#commitment-list")).to_contain_text("Ask before I offer <b>anything</b>.")

    # Printed: charts drawn still (no animation), one round per page.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "debrief-print.png", full_page=True)
    page.pdf(path=SCREENSHOTS / "debrief.pdf", format="A4", print_background=True)
    assert (SCREENSHOTS / "debrief.pdf").read_bytes().startswith(b"%PDF")
