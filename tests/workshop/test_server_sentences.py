"""The phone, the console and the screen carry the translations of the server's sentences, so
client.js shows a refusal in the page's language without a copy of the sentences of its own."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from game.core.refusals import ErrorCode, sentence
from game.templatetags import sentences

pytestmark = pytest.mark.django_db

BLOCK = re.compile(r'<script id="server-sentences" type="application/json">(.*?)</script>', re.S)


def carried(response) -> dict:
    assert response.status_code == 200
    (found,) = BLOCK.findall(response.content.decode())
    return json.loads(found)


def pages(workshop, fiona) -> list:
    phone = Client()
    phone.post(f"/join/{workshop.code}/", {"nickname": "Ana"})
    console = Client()
    console.force_login(fiona)
    return [
        phone.get(f"/play/{workshop.code}/"),
        console.get(f"/console/{workshop.code}/"),
        Client().get(f"/screen/{workshop.code}/?key={workshop.screen_token}"),
    ]


def test_in_english_the_pages_carry_no_translations(workshop, fiona):
    assert [carried(page) for page in pages(workshop, fiona)] == [{}, {}, {}]


def test_in_another_language_each_page_carries_the_translation_of_each_fixed_sentence(
    workshop, fiona, monkeypatch
):
    monkeypatch.setattr(sentences, "gettext", lambda text: f"[de] {text}")
    own_team = sentence(ErrorCode.OWN_TEAM)
    for page in pages(workshop, fiona):
        shown = carried(page)
        assert shown[own_team] == f"[de] {own_team}"
        assert sentence(ErrorCode.AUTH_FAILED, role="screen") in shown
        assert not any("{" in said for said in shown)  # filled in by the server, sent as is
