"""Real browsers against a real server: Debian's Chromium driven by Playwright, one Daphne
process in the embedded shape (SQLite, no Redis) on a free loopback port.

The server and the browser live for the whole session; each test opens its own workshop and its
own browser contexts (one per device: a facilitator's laptop, a projector, phones)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests import servers
from tests.browser.network import Link
from tests.browser.views import Console, Phone, Screen
from tests.servers import ROOT, Daphne, free_port, manage, server_env

if not servers.PYTHON.exists():
    # A git worktree has no .venv of its own: serve with the interpreter running the tests.
    servers.PYTHON = Path(sys.executable)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
USERNAME, PASSWORD = "fiona", "a long facilitator passphrase"
SCREENSHOTS = Path(os.environ.get("UPSERVE_SCREENSHOTS", ROOT / "var" / "screenshots"))

# Two cores run the server and eight pages at once: give conditions time, never fixed sleeps.
WAIT_MS = 20_000

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
PHONE_DEVICE = "Pixel 7"

# Chromium logs "… violates the following Content Security Policy directive …" for each thing
# the policy blocks; the listener below says it again from the page itself, with the directive,
# in case a message of Chromium's changes wording.
CSP_MESSAGE = re.compile(r"Content[- ]Security[- ]Policy", re.I)
WATCH_CSP = """addEventListener("securitypolicyviolation", (e) => console.error(
  `Content-Security-Policy violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
  + ` at ${e.sourceFile || location.href}:${e.lineNumber}`), true);"""

expect.set_options(timeout=WAIT_MS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _safe(test_name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", test_name)


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is not None and report.failed


@pytest.fixture(scope="session")
def server() -> Iterator[Daphne]:
    """One Daphne process in the embedded shape, with a facilitator account and the built-in deck."""
    var = tempfile.mkdtemp(prefix="upserve-browser-")
    port = free_port()
    env = server_env(
        UPSERVE_VAR_DIR=var,
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        # Every phone here comes from 127.0.0.1; a venue's phones come from many addresses.
        CODE_LOOKUPS_PER_ADDRESS="100000",
        JOINS_PER_ADDRESS="100000",
        # Small pieces, so the replay page fetches a round's log piece by piece as it plays.
        REPLAY_PIECE="4",
    )
    manage(env, "migrate", "-v0")
    manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
           "--username", USERNAME, "--email", "fiona@example.org")  # fmt: skip
    daphne = Daphne(env, port)
    try:
        daphne.start()
        yield daphne
    finally:
        daphne.close()
        shutil.rmtree(var, ignore_errors=True)


# Package scope, not session: Playwright's sync API keeps an event loop running while it is
# open, and the asyncio tests that follow the browser tests need none to be.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (bin/test installs it)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Debian's Chromium, never a downloaded one: no browser download is possible here.
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


class Devices:
    """The browser contexts of one test, each a separate device with its own cookies. Closes
    them at the end; on failure, first saves a screenshot of every open page and the server log."""

    def __init__(self, browser: Browser, server: Daphne, phone_options: dict) -> None:
        self.browser, self.server, self.phone_options = browser, server, phone_options
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}
        self.links: list[Link] = []
        self.csp_violations: list[str] = []

    def _console(self, message: ConsoleMessage) -> None:
        if CSP_MESSAGE.search(message.text):
            self.csp_violations.append(
                f"{message.page.url if message.page else '?'}: {message.text}"
            )

    def open(self, name: str, **options) -> Page:
        # The app's Content-Security-Policy applies, as on a real device: every violation any
        # page of the test reports fails the test (the devices fixture checks at the end). The
        # payload checks still prove the escaping itself: an escaped payload is no element at all.
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.set_default_timeout(WAIT_MS)
        context.add_init_script(WATCH_CSP)
        context.on("console", self._console)
        self.contexts.append(context)
        page = context.new_page()
        self.pages[name] = page
        return page

    def laptop(self, name: str = "console") -> Page:
        return self.open(name, **LAPTOP)

    def projector(self, name: str = "screen") -> Page:
        return self.open(name, **PROJECTOR)

    def phone(self, name: str) -> Page:
        return self.open(name, **self.phone_options)

    def facilitator(self, title: str, teams: int) -> Console:
        """A logged-in facilitator on a laptop, at the console of a new workshop."""
        page = self.laptop()
        page.goto("/accounts/login/?next=/console/")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/console/")
        console = Console(page)
        console.create(title, teams)
        return console

    def screen(self, console: Console) -> Screen:
        """The projector, at the URL of the console's "Open the projector screen" link."""
        page = self.projector()
        page.goto(console.screen_url())
        screen = Screen(page)
        screen.wait_live()
        return screen

    def link(self) -> Link:
        """A network link to the server that the test can cut, for one phone."""
        link = Link(self.server.port)
        self.links.append(link)
        return link

    def join(
        self, console: Console, nickname: str, name: str | None = None, via: Link | None = None
    ) -> Phone:
        """A new phone that opens the join URL (through ``via``, if given) and takes a seat."""
        phone = Phone(self.phone(name or f"phone-{len(self.pages)}"))
        url = console.join_url()
        if via is not None:
            url = via.url + urlsplit(url).path
        phone.join(url, nickname)
        return phone

    def save_failure(self, test_name: str) -> None:
        safe = _safe(test_name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            if not page.is_closed():
                try:
                    page.screenshot(path=SCREENSHOTS / f"failed-{safe}-{name}.png", full_page=True)
                except (
                    Exception
                ) as problem:  # a page that cannot be drawn must not hide the failure
                    sys.stderr.write(f"no screenshot of {name}: {problem}\n")
        sys.stderr.write(f"\n===== daphne log (tail) =====\n{self.server.log_text()[-6000:]}\n")

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        for link in self.links:
            link.close()


@pytest.fixture
def devices(
    playwright: Playwright, browser: Browser, server: Daphne, request: pytest.FixtureRequest
) -> Iterator[Devices]:
    opened = Devices(browser, server, playwright.devices[PHONE_DEVICE])
    # A failure's pictures describe the run that failed: none left over from an earlier run.
    for stale in SCREENSHOTS.glob(f"failed-{_safe(request.node.name)}-*.png"):
        stale.unlink()
    try:
        yield opened
    finally:
        if _failed(request):
            opened.save_failure(request.node.name)
        opened.close()
    if opened.csp_violations:
        pytest.fail(
            "the Content-Security-Policy blocked something:\n" + "\n".join(opened.csp_violations)
        )


@pytest.fixture
def screenshot() -> Callable[[str, dict[str, Page]], None]:
    """Save ``<phase>-<view>.png`` for each view into the screenshots folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(phase: str, views: dict[str, Page]) -> None:
        for view, page in views.items():
            # The projector is a fixed 1920x1080 canvas; the other views scroll. From the top:
            # a page left scrolled draws its sticky header across the middle of a full-page shot.
            full = view != "screen"
            if full:
                page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=SCREENSHOTS / f"{phase}-{view}.png", full_page=full)

    return shoot
