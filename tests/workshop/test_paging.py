"""Every facilitator list is a page at a time, so no list page's work grows with its data: decks,
a deck's cards, replays, cohorts and the debrief's people."""

import re

import pytest

from game import service
from game.core.commands import Join
from game.core.model import participant
from workshop import cohorts
from workshop.models import Deck, Scenario
from workshop.paging import (
    CARDS_PER_PAGE,
    COHORT_WORKSHOPS_PER_PAGE,
    DECKS_PER_PAGE,
    PEOPLE_PER_PAGE,
    REPLAYS_PER_PAGE,
)
from workshop.rooms import workshop_create

pytestmark = pytest.mark.django_db


def count(page, pattern: str) -> int:
    return len(re.findall(pattern, page.content.decode()))


def test_the_deck_list_shows_a_page_of_decks(console, fiona):
    Deck.objects.bulk_create(
        Deck(name=f"Deck {n:03}", owner=fiona) for n in range(DECKS_PER_PAGE + 1)
    )
    visible = Deck.objects.count()  # with the built-in deck
    first, second = console.get("/decks/"), console.get("/decks/?page=2")
    assert count(first, r'<a href="/decks/\d+/">') == DECKS_PER_PAGE
    assert count(second, r'<a href="/decks/\d+/">') == visible - DECKS_PER_PAGE
    assert "Page 2 of 2" in second.content.decode()
    assert 'href="?page=2"' in first.content.decode()


def test_a_decks_cards_come_a_page_at_a_time_numbered_on(console, fiona):
    deck = Deck.objects.create(name="Long", owner=fiona)
    Scenario.objects.bulk_create(
        Scenario(
            deck=deck,
            position=n,
            slug=f"s{n}",
            title=f"T{n + 1}",
            customer="c",
            situation="s",
            ask="a",
        )
        for n in range(CARDS_PER_PAGE + 1)
    )
    first, second = console.get(f"/decks/{deck.pk}/"), console.get(f"/decks/{deck.pk}/?page=2")
    assert count(first, r'class="card scenario-card"') == CARDS_PER_PAGE
    assert count(second, r'class="card scenario-card"') == 1
    assert f"Card {CARDS_PER_PAGE + 1}</span> · T{CARDS_PER_PAGE + 1}" in second.content.decode()


def test_a_card_moved_across_a_page_break_is_shown_on_its_new_page(console, fiona):
    deck = Deck.objects.create(name="Long", owner=fiona)
    Scenario.objects.bulk_create(
        Scenario(
            deck=deck, position=n, slug=f"s{n}", title=f"T{n}", customer="c", situation="s", ask="a"
        )
        for n in range(CARDS_PER_PAGE + 1)
    )
    card = deck.scenarios.get(slug=f"s{CARDS_PER_PAGE - 1}")
    response = console.post(f"/decks/{deck.pk}/cards/{card.pk}/move/", {"direction": "down"})
    assert response.url == f"/decks/{deck.pk}/?page=2#card-{card.pk}"


def test_replays_list_a_page_of_workshops(console, fiona):
    for n in range(REPLAYS_PER_PAGE + 1):
        workshop_create(owner=fiona, title=f"W{n}", team_count=2, deck=None)
    first, second = console.get("/replays/"), console.get("/replays/?page=2")
    assert count(first, r'class="replay-workshop"') == REPLAYS_PER_PAGE
    assert count(second, r'class="replay-workshop"') == 1


def test_cohorts_compare_one_page_of_workshops_at_a_time(console, fiona, monkeypatch):
    for n in range(COHORT_WORKSHOPS_PER_PAGE + 1):
        workshop_create(owner=fiona, title=f"W{n}", team_count=2, deck=None)
    read = []
    played = cohorts.played
    monkeypatch.setattr(cohorts, "played", lambda w: read.append(w.pk) or played(w))
    assert console.get("/cohorts/").status_code == 200
    assert len(read) == COHORT_WORKSHOPS_PER_PAGE
    read.clear()
    assert console.get("/cohorts/?page=2").status_code == 200
    assert len(read) == 1


def test_the_debrief_lists_a_page_of_people(console, fiona):
    workshop = workshop_create(owner=fiona, title="Big", team_count=4, deck=None)
    for n in range(PEOPLE_PER_PAGE + 1):
        outcome = service.submit(
            workshop_id=workshop.pk, actor=participant(f"p{n}"), command=Join(f"Person {n}")
        )
        assert outcome.ok, outcome.message
    link = rf'href="/debrief/{workshop.code}/people/'
    first = console.get(f"/debrief/{workshop.code}/")
    second = console.get(f"/debrief/{workshop.code}/?page=2")
    assert count(first, link) == PEOPLE_PER_PAGE
    assert count(second, link) == 1
    assert 'href="?page=2#people-heading"' in first.content.decode()
