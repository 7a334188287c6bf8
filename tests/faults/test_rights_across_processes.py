"""A console's socket is cut when its facilitator logs out, even when the logout is served by
the other Daphne process (production shape: two processes, Redis, PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import urllib.parse
import urllib.request

import pytest

from tests.e2e.wire import Client, create_workshop, log_in
from tests.faults.game import PASSWORD

pytestmark = [pytest.mark.services, pytest.mark.asyncio]


def log_out(browser, base: str) -> None:
    """Press the console's log-out button, on the process at ``base``."""
    _, page = browser.get("/console/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(
        base + "/accounts/logout/", data=body, headers={"Referer": base + "/console/"}
    )
    with browser.opener.open(request, timeout=browser.timeout):
        pass


async def test_logging_out_on_one_process_cuts_the_console_on_the_other(cluster):
    a, b = cluster.bases
    browser = await asyncio.to_thread(log_in, a, "fiona", PASSWORD)
    code = await asyncio.to_thread(create_workshop, browser, "Rights", 2)
    boss = Client(code, "boss", "facilitator", cookie=browser.cookie_header())
    await boss.connect(b)
    assert (await boss.command("add_team", name="Early"))["type"] == "ack"
    await asyncio.to_thread(log_out, browser, a)
    for _ in range(100):  # well under the 30 s periodic check: the word comes through Redis
        if not boss.connected:
            break
        await asyncio.sleep(0.1)
    assert not boss.connected
    assert [e["code"] for e in boss.errors] == ["auth_failed"]
