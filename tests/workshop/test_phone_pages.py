"""The phone's pages: joining in one tap, the play page's landmarks, translatable text, and the
shared client's reconnect behaviour (driven in Node by phone_client.mjs)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from game import service
from workshop.views import seat_cookie

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static" / "upserve"


def join(client, workshop, nickname: str):
    client.cookies.clear()
    return client.post(f"/join/{workshop.code}/", {"nickname": nickname})


# -- joining ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_join_page_from_the_qr_code_comes_with_a_nickname_ready(client, workshop):
    page = client.get(f"/join/{workshop.code}/").content.decode()
    nickname = re.search(r'name="nickname"[^>]*value="([^"]*)"', page, re.S).group(1)
    assert nickname.strip()
    assert f'data-url="/join/{workshop.code}/nickname/"' in page and ">Re-roll<" in page
    assert client.get(f"/join/{workshop.code}/nickname/").json()["nickname"].strip()


@pytest.mark.django_db
def test_one_tap_on_lets_play_seats_the_phone_in_a_team(client, workshop):
    response = join(client, workshop, "Ann")
    assert response.status_code == 302 and response.url == f"/play/{workshop.code}/"
    assert client.get(response.url).status_code == 200
    state = service.read_state(workshop.pk)
    (ann,) = state.people.values()
    assert state.team_of(ann.id) is not None


@pytest.mark.django_db
def test_joiners_are_spread_over_the_teams(client, workshop):
    for nickname in ["Ann", "Bob", "Cat", "Dan"]:
        join(client, workshop, nickname)
    state = service.read_state(workshop.pk)
    assert sorted(len(team.members) for team in state.teams.values()) == [2, 2]


@pytest.mark.django_db
def test_a_refused_nickname_is_announced_with_the_field(client, workshop):
    join(client, workshop, "Ann")
    page = join(client, workshop, "ann").content.decode()
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="nickname-hint nickname-errors"' in page
    assert 'id="nickname-errors"' in page and "already uses that nickname" in page


# -- the play page -----------------------------------------------------------------------------------


@pytest.fixture
def play_page(client, workshop) -> str:
    join(client, workshop, "Ann")
    return client.get(f"/play/{workshop.code}/").content.decode()


@pytest.mark.django_db
def test_the_play_page_carries_the_seat_for_the_socket(client, workshop, play_page):
    config = re.search(
        r'<script id="client-config" type="application/json">(.*?)</script>', play_page
    )
    data = json.loads(config.group(1))
    assert data["code"] == workshop.code and data["role"] == "participant"
    assert data["token"] == client.cookies[seat_cookie(workshop)].value


@pytest.mark.django_db
def test_the_connection_state_and_the_notices_are_live_regions(play_page):
    assert re.search(r'<span id="status"[^>]*role="status"', play_page)
    assert re.search(r'<div id="notice"[^>]*role="alert"', play_page)
    assert re.search(r'<button type="button" id="notice-dismiss"[^>]*>\s*Dismiss\s*<', play_page)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/join/{code}/", "/play/{code}/", "/accounts/login/"])
def test_the_translation_catalog_loads_before_the_page_scripts(client, workshop, path):
    if path.startswith("/play/"):
        join(client, workshop, "Ann")
    page = client.get(path.format(code=workshop.code)).content.decode()
    catalog = page.index('src="/jsi18n/"')
    scripts = [m.start() for m in re.finditer(r'<script type="module"', page)]
    assert all(catalog < start for start in scripts)


@pytest.mark.django_db
def test_the_translation_catalog_is_served(client):
    response = client.get("/jsi18n/")
    assert response.status_code == 200 and b"globals.gettext =" in response.content


# -- translatable text ---------------------------------------------------------------------------------

# Text a template may show untranslated: the brand and the room code placeholder.
NOT_WORDS = {"Upserve", "K7QW3P"}


def bare_text(template: str) -> list[str]:
    """Words in a template outside {% translate %} / {% blocktranslate %}, tags and markup."""
    text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", " ", template, flags=re.S)
    text = re.sub(r"<script.*?</script>", " ", text, flags=re.S)
    text = re.sub(r"{%\s*block body_class\s*%}.*?{%\s*endblock\s*%}", " ", text)  # CSS classes
    text = re.sub(r"{%.*?%}|{{.*?}}|<[^>]*>|&\w+;", " ", text, flags=re.S)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z']+", text) if w not in NOT_WORDS]


@pytest.mark.parametrize(
    "name", ["base.html", "play.html", "join.html", "landing.html", "registration/login.html"]
)
def test_the_phone_templates_have_no_untranslated_text(name):
    source = (TEMPLATES / name).read_text()
    assert bare_text(source) == []
    attributes = re.findall(r'(?:title|aria-label|placeholder)="([^"{]*[a-z][^"{]*)"', source)
    assert attributes == [], "attribute text must go through {% translate %}"


# Tokens of a script: string literals (kept) and comments (dropped, apostrophes and all).
TOKEN = re.compile(
    r"""(?P<literal>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)"""
    r"""|(?P<comment>/\*.*?\*/|//[^\n]*)""",
    re.S,
)
# Where a literal reaches the page: a property of el() or a call that writes text.
DISPLAY_PROPERTY = re.compile(
    r"""(?:\btext|placeholder|title|"aria-label"|textContent\s*=)\s*:?\s*$"""
)
DISPLAY_CALLS = {"setText", "say", "notify", "card"}


def untranslated(source: str) -> list[str]:
    """Literals with words that reach the page without passing through gettext or ngettext."""
    literals, masked = [], []
    for token in TOKEN.finditer(source):
        if token.group("comment"):
            masked.append((token.span(), " " * len(token.group())))
        else:
            literals.append(token)
            masked.append((token.span(), token.group()[0] * len(token.group())))
    plain = list(source)
    for (start, end), blank in masked:
        plain[start:end] = blank
    plain = "".join(plain)
    found = []
    for token in literals:
        words = re.sub(r"\$\{[^}]*\}", "", token.group()[1:-1])
        if not re.search(r"[A-Za-z]{2}", words):
            continue
        before = plain[: token.start()].rstrip()
        if DISPLAY_PROPERTY.search(before) or _innermost_call(before) in DISPLAY_CALLS:
            found.append(token.group())
    return found


def _innermost_call(before: str) -> str | None:
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        if before[i] == ")":
            depth += 1
        elif before[i] == "(":
            if depth == 0:
                name = re.search(r"(\w+)\s*$", before[:i])
                return name.group(1) if name else None
            depth -= 1
    return None


@pytest.mark.parametrize("name", sorted(p.name for p in STATIC.glob("*.js")))
def test_no_script_shows_untranslated_text(name):
    assert untranslated((STATIC / name).read_text()) == []


def test_the_untranslated_text_check_catches_a_bare_string():
    assert untranslated('el("p", { text: "Hello there" })') == ['"Hello there"']
    assert untranslated('say(ok ? "Saving…" : gettext("Saved"))') == ['"Saving…"']
    assert untranslated("node.textContent = `Team ${name}`;") == ["`Team ${name}`"]
    assert untranslated('el("p", { text: gettext("Hello there") }) // it\'s fine') == []
    assert untranslated('el("p", { class: "hint", text: `#${row.rank}` })') == []


# -- the shared client: reconnects and the outbox (client.js in Node) ----------------------------------

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def node(*args: str) -> dict:
    """What a Node script prints, as JSON."""
    done = subprocess.run([NODE, *args], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def drive(scenario: str) -> dict:
    script = Path(__file__).with_name("phone_client.mjs")
    client_js = (STATIC / "client.js").as_uri()
    return node(str(script), scenario, client_js)


@needs_node
@pytest.mark.parametrize("event", ["online", "visibilitychange", "pageshow"])
def test_a_phone_that_slept_reconnects_at_once_with_its_last_seq(event):
    outcome = drive(f"wake_after_silence:{event}")
    assert outcome["reconnected"] and outcome["oldClosed"]
    assert outcome["hello"] == {
        "type": "hello",
        "protocol": 1,
        "role": "participant",
        "token": "seat",
        "last_seq": 5,
    }


@needs_node
@pytest.mark.parametrize("event", ["online", "visibilitychange"])
def test_a_phone_with_a_fresh_socket_pings_instead_of_reconnecting(event):
    outcome = drive(f"wake_while_fresh:{event}")
    assert outcome == {"sockets": 1, "sent": ["hello", "ping"]}


@needs_node
def test_a_heartbeat_that_fires_minutes_late_replaces_the_socket():
    assert drive("heartbeat_after_sleep")["sockets"] == 2


@needs_node
def test_a_socket_silent_since_its_ping_is_dropped_once_the_pong_is_late():
    assert drive("late_pong:silence") == {"pinged": True, "droppedAfter": 15_000}


@needs_node
def test_a_socket_still_bringing_frames_waits_longer_for_its_pong_but_not_for_ever():
    assert drive("late_pong:frames") == {"pinged": True, "droppedAfter": 60_000}


@needs_node
def test_a_vote_cast_offline_waits_in_the_outbox_and_goes_out_once_back_with_its_id():
    outcome = drive("outbox_offline")
    assert outcome["offlineStatus"] == "reconnecting"
    assert outcome["sentWhileOffline"] == 0
    (vote,) = outcome["resent"]
    assert {k: vote[k] for k in ("team", "q1", "q2")} == {"team": "t2", "q1": "yes", "q2": "unsure"}
    assert outcome["acked"] == vote["id"] and outcome["outbox"] == 0
    assert outcome["hello"]["last_seq"] == 5


@needs_node
def test_a_refusal_shows_the_servers_sentence_in_the_pages_language_where_it_has_one():
    outcome = drive("refusals")
    assert outcome["translated"] == {
        "code": "own_team",
        "message": "Du kannst nicht für dein eigenes Team stimmen.",
    }
    assert outcome["untranslated"]["message"] == "badge_share must be between 0 and 1."


@needs_node
def test_the_countdown_clock_follows_the_servers_clock():
    assert drive("clock")["offset"] == pytest.approx(100, abs=0.01)


# -- the device id kept in the browser's storage (device.js in Node) -----------------------------------

DEVICE_JS = r"""
const vm = require("node:vm");
const [source, field, kept] = JSON.parse(process.argv[1]);
const input = { value: field };
const storage = new Map(kept ? [["upserve_device", kept]] : []);
const localStorage = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) };
vm.runInNewContext(source, { document: { querySelector: () => input }, localStorage });
console.log(JSON.stringify({ sent: input.value, kept: storage.get("upserve_device") ?? null }));
"""


def device_script(field: str, kept: str | None) -> dict:
    source = (STATIC / "device.js").read_text()
    return node("-e", DEVICE_JS, json.dumps([source, field, kept]))


@needs_node
def test_the_join_form_sends_the_device_id_the_browser_kept_over_its_cookies():
    kept = "kept-since-the-first-visit"
    assert device_script("fresh-cookie-after-clearing", kept) == {"sent": kept, "kept": kept}


@needs_node
def test_a_first_visit_keeps_the_cookies_device_id_in_storage():
    cookie = "the-cookies-device-id-01"
    assert device_script(cookie, None) == {"sent": cookie, "kept": cookie}


@needs_node
def test_a_tampered_stored_id_is_replaced_by_the_cookies():
    cookie = "the-cookies-device-id-01"
    assert device_script(cookie, "<img onerror>") == {"sent": cookie, "kept": cookie}
