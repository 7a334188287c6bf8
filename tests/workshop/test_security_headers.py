"""The Content-Security-Policy every page is sent (django-csp): this server's own scripts only,
never inline script or eval, no framing; and no template that would need more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.workshop.played import play

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def assert_strict(response, status: int = 200) -> None:
    path = response.request["PATH_INFO"]
    assert response.status_code == status, path
    found = policy(response)
    assert {name: found.get(name) for name in STRICT} == STRICT, path
    assert not {"'unsafe-inline'", "'unsafe-eval'"} & set(found["script-src"]), path


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("ada", "ada@example.org", "admin passphrase")


def test_every_page_of_a_live_room_and_the_admin_sends_the_strict_policy(
    client, fiona, superuser, workshop
):
    code = workshop.code
    anonymous = ["/", f"/join/{code}/", "/accounts/login/", "/admin/login/"]
    for url in anonymous:
        assert_strict(Client().get(url))

    phone = Client()
    assert phone.post(f"/join/{code}/", {"nickname": "Ana"}).status_code == 302
    assert_strict(phone.get(f"/play/{code}/"))
    assert_strict(Client().get(f"/screen/{code}/?key={workshop.screen_token}"))

    client.force_login(fiona)
    deck = workshop.deck.pk
    for url in [
        "/console/",
        f"/console/{code}/",
        "/decks/",
        f"/decks/{deck}/",
        "/archives/import/",
    ]:
        assert_strict(client.get(url))

    admin = Client()
    admin.force_login(superuser)
    for url in ["/admin/", "/admin/auth/user/", f"/admin/auth/user/{fiona.pk}/change/"]:
        assert_strict(admin.get(url))


def test_every_page_of_an_ended_workshop_sends_the_strict_policy(
    client, fiona, workshop, frozen_clock
):
    play(workshop, frozen_clock)
    client.force_login(fiona)
    code = workshop.code
    pages = ["/replays/", "/cohorts/", f"/replay/{code}/?round=1", f"/debrief/{code}/"]
    for url in [*pages, f"/console/{code}/exports/"]:
        assert_strict(client.get(url))


def test_the_lockout_page_sends_the_strict_policy(fiona, settings):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/login/", {"username": "fiona", "password": f"no {i}"})
    assert_strict(response, status=429)


@pytest.mark.parametrize(
    ("secure", "socket"), [(False, "ws://testserver"), (True, "wss://testserver")]
)
def test_the_page_may_open_a_socket_to_its_own_host_only(workshop, secure, socket):
    """'self' covers ws(s) of the same host in CSP Level 3 only; older phones need it named."""
    response = Client().get(f"/join/{workshop.code}/", secure=secure)
    assert policy(response)["connect-src"] == ["'self'", socket]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)


def test_no_template_has_an_inline_script_handler_or_style_the_policy_would_refuse():
    offenders = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for rule in (INLINE_SCRIPT, INLINE_HANDLER, INLINE_STYLE):
            offenders += [
                f"{template.relative_to(ROOT)}: {m.group(0)}" for m in rule.finditer(text)
            ]
    for module in sorted((ROOT / "workshop").rglob("*.py")):
        if INLINE_SCRIPT.search(module.read_text()):
            offenders.append(f"{module.relative_to(ROOT)} renders an inline <script>")
    assert offenders == []


def test_the_scripts_never_write_a_style_attribute_or_evaluate_strings():
    """element.style.x = … is allowed under style-src 'self'; a style attribute is not."""
    offenders = []
    for module in sorted((ROOT / "static" / "upserve").glob("*.js")):
        text = module.read_text()
        for pattern in (r"setAttribute\(\s*[\"']style", r"style=", r"\beval\(", r"new Function\("):
            if re.search(pattern, text):
                offenders.append(f"{module.name}: {pattern}")
    assert offenders == []
