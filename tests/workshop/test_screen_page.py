"""The projector screen's page, server side: it renders, it references only assets this server
serves itself (venue Wi-Fi, or no internet at all), and the vendored chart library is among them."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

UPSERVE = Path(settings.BASE_DIR) / "static" / "upserve"
CHART = Path(settings.BASE_DIR) / "static" / "vendor" / "chart.js"


class Page(HTMLParser):
    """Collects what a browser would fetch, the ids on the page and the body's classes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.ids: set[str] = set()
        self.alts: list[str] = []
        self.body_classes: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        if tag == "link" and a.get("href"):
            self.assets.append(a["href"])
        if tag == "img":
            self.assets.append(a["src"])
            self.alts.append(a.get("alt", ""))
        if tag == "body":
            self.body_classes = (a.get("class") or "").split()


def screen_page(client, workshop, query: str = "") -> Page:
    response = client.get(f"/screen/{workshop.code}/?key={workshop.screen_token}{query}")
    assert response.status_code == 200
    return Page(response.content.decode())


def test_the_screen_page_keeps_the_landmarks_and_ids_its_scripts_and_tests_use(client, workshop):
    page = screen_page(client, workshop)
    assert {"status", "lobby", "stage", "join-strip", "lobby-roster", "theme-toggle"} <= page.ids
    assert "QR code to join this workshop" in page.alts


def test_every_asset_of_the_screen_page_comes_from_this_server(client, workshop):
    page = screen_page(client, workshop)
    assert "/static/vendor/chart.js/chart.umd.js" in page.assets
    for url in page.assets:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url


def test_the_screen_modules_import_only_files_this_server_serves(client):
    modules = sorted(UPSERVE.glob("screen*.js"))
    assert len(modules) > 1
    for module in modules:
        for target in re.findall(r"""\bfrom\s+["']([^"']+)["']""", module.read_text()):
            assert target.startswith("./"), f"{module.name} imports {target}"
            assert client.get(f"/static/upserve/{target[2:]}").status_code == 200, target


def test_the_vendored_chart_library_is_served_beside_its_licence(client):
    response = client.get("/static/vendor/chart.js/chart.umd.js")
    assert response.status_code == 200
    head = b"".join(response.streaming_content)[:200].decode()
    assert "Chart.js v4" in head and "MIT" in head
    assert "Permission is hereby granted" in (CHART / "LICENSE.md").read_text()


def test_the_high_contrast_theme_asked_in_the_address_is_on_before_any_script_runs(
    client, workshop
):
    assert "theme-contrast" in screen_page(client, workshop, "&theme=contrast").body_classes
    assert "theme-contrast" not in screen_page(client, workshop).body_classes
    assert "theme-contrast" not in screen_page(client, workshop, "&theme=default").body_classes
