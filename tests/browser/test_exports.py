"""The archive as a facilitator moves it between servers: downloaded with a progress bar from the
exports page, uploaded with one on the import page, and opened as a new workshop."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import describe, violations

pytestmark = pytest.mark.browser


def test_an_archive_downloads_and_imports_with_progress_shown(devices, tmp_path, screenshot):
    console = devices.facilitator("Archive round trip", teams=2)
    code = console.code()
    devices.join(console, "Rosa")
    devices.join(console, "Sam")
    page = console.page
    page.goto(f"/console/{code}/exports/")
    problems = describe({"exports page": violations(page)})
    assert not problems, problems

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the archive").click()
    saved = tmp_path / "archive.json"
    downloading.value.save_as(saved)
    document = json.loads(saved.read_text())
    events = len(document["events"])
    expect(page.get_by_text(f"Done: {events} events saved.")).to_be_visible()
    expect(page.get_by_label("Archive download")).to_have_attribute("value", "100")

    page.goto("/archives/import/")
    problems = describe({"import page": violations(page)})
    assert not problems, problems
    page.get_by_label("Archive file (.json)").set_input_files(saved)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported.")).to_be_visible()
    expect(page.get_by_label("Upload")).to_have_attribute("value", "100")
    opened = page.get_by_role("link", name=re.compile(r"Open the imported workshop [A-Z0-9]+"))
    new_code = opened.inner_text().rsplit(" ", 1)[-1]
    assert new_code != code
    screenshot("import", {"console": page})
    opened.click()
    page.wait_for_url(f"**/console/{new_code}/")
    expect(page.get_by_text("Rosa", exact=True).first).to_be_visible()
    expect(page.get_by_text("Sam", exact=True).first).to_be_visible()


def test_a_broken_archive_is_refused_with_a_reason_and_nothing_imported(devices, tmp_path):
    console = devices.facilitator("Archive refused", teams=2)
    page = console.page
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "upserve-archive", "version": 1, "events": [')
    page.goto("/archives/import/")
    page.get_by_label("Archive file (.json)").set_input_files(broken)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("The archive was not imported")
    expect(page.get_by_role("link", name=re.compile("Open the imported workshop"))).to_have_count(0)
