"""The create form's plan: card numbers in one field, checked (no card twice, never longer than the
deck), at any deck size with or without the page's script, and set-up work linear in plan and deck."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from game import service
from game.core.commands import Configure, Join
from game.core.model import FACILITATOR, participant
from workshop.forms import duplicate_initial
from workshop.models import Deck, Scenario, Workshop
from workshop.rooms import workshop_create

pytestmark = pytest.mark.django_db

BIG = 5_000


@pytest.fixture
def big_deck(fiona):
    big = Deck.objects.create(name="Every call centre script", owner=fiona)
    Scenario.objects.bulk_create(
        Scenario(
            deck=big,
            position=n,
            slug=f"s{n}",
            title=f"Script {n + 1}",
            customer="c",
            situation="s",
            ask="a",
        )
        for n in range(BIG)
    )
    return big


def refused(console, deck, plan: str) -> str:
    response = console.post("/console/", {"title": "T", "teams": 2, "deck": deck.pk, "plan": plan})
    assert response.status_code == 200
    assert not Workshop.objects.exists()
    return " ".join(response.context["form"].errors["plan"])


def test_it_refuses_a_plan_that_names_a_card_twice(console, deck):
    assert refused(console, deck, "2, 5, 2") == "Card 2 is in the plan twice. Name each card once."


def test_it_refuses_a_plan_longer_than_the_deck(console, deck, cards):
    message = refused(console, deck, ", ".join(["1"] * 300_000))
    assert message == f"The plan names 300000 cards but the deck has only {len(cards)}."


@pytest.mark.parametrize("number", ["0", "99", "two", "-1", "1" * 5000, "\u0661"])
def test_it_refuses_a_number_that_is_no_card_of_the_deck(console, deck, cards, number):
    message = refused(console, deck, f"1 {number}")
    assert message.endswith(
        f"is not a card number: the deck's cards are numbered 1 to {len(cards)}."
    )


def test_a_duplicate_of_a_plan_repeating_one_card_many_times_renders_the_card_once(
    console, fiona, deck, cards
):
    past = workshop_create(owner=fiona, title="Imported", team_count=2, deck=deck)
    with CaptureQueriesContext(connection) as empty:
        console.get(f"/console/?duplicate={past.code}")
    Workshop.objects.filter(pk=past.pk).update(plan=[cards[1].pk] * 300_000)
    with CaptureQueriesContext(connection) as repeated:
        response = console.get(f"/console/?duplicate={past.code}")
    assert response.status_code == 200
    assert response.context["form"].initial["plan"] == "2"
    assert 'value="2"' in response.content.decode()
    # The same queries as for an empty plan: the plan is read once, never per card.
    assert len(repeated) == len(empty)


def test_duplicating_reads_the_set_up_without_folding_the_whole_log(
    console, fiona, deck, monkeypatch
):
    past = workshop_create(owner=fiona, title="Long", team_count=3, deck=deck)
    service.submit(workshop_id=past.pk, actor=FACILITATOR, command=Configure({"vote_seconds": 75}))
    for n in range(20):
        service.submit(workshop_id=past.pk, actor=participant(f"p{n}"), command=Join(f"P{n}"))

    def no_fold(*args, **kwargs):
        raise AssertionError("the duplicate page folded the whole log")

    monkeypatch.setattr(service, "reading", no_fold)
    initial = console.get(f"/console/?duplicate={past.code}").context["form"].initial
    assert (initial["teams"], initial["vote_seconds"]) == (3, 75)


class Counted(int):
    """A card id that counts how often it is compared: a list scan compares it with every item,
    a dict or set lookup about once."""

    compared = 0

    def __eq__(self, other):
        Counted.compared += 1
        return int(self) == other

    __hash__ = int.__hash__


def test_duplicate_set_up_work_is_linear_in_plan_and_deck(deck, cards):
    plan = [Counted(cards[-1].pk)] * 2_000 + [Counted(c.pk) for c in cards]
    Counted.compared = 0
    initial = duplicate_initial(title="T", deck=deck, plan=plan, teams=2, settings={})
    assert initial["plan"] == ", ".join(str(n) for n in [len(cards), *range(1, len(cards))])
    assert Counted.compared <= 2 * len(plan)


def test_the_run_console_orders_a_whole_deck_plan_without_comparing_cards_pairwise(
    console, fiona, monkeypatch
):
    mine = Deck.objects.create(name="Mine", owner=fiona)
    Scenario.objects.bulk_create(
        Scenario(
            deck=mine, position=n, slug=f"s{n}", title=f"S{n}", customer="c", situation="s", ask="a"
        )
        for n in range(300)
    )
    ids = list(mine.scenarios.values_list("pk", flat=True))
    workshop = workshop_create(owner=fiona, title="T", team_count=2, deck=mine, plan=ids[::-1])
    compared = []
    equal = Scenario.__eq__
    monkeypatch.setattr(Scenario, "__eq__", lambda a, b: compared.append(1) or equal(a, b))
    scenarios = console.get(f"/console/{workshop.code}/").context["scenarios"]
    assert [s["id"] for s in scenarios] == ids[::-1]
    assert len(compared) <= len(ids)


# -- A5: any deck size, with or without the script ------------------------------------------------


def test_the_create_form_renders_a_5000_card_deck_without_an_input_per_card(console, big_deck):
    page = console.get("/console/").content.decode()
    assert len(re.findall(r"<(input|select|textarea)\b", page)) < 40
    assert "Script 200" in page and "Script 201" not in page
    assert f"4800 more cards: see all {BIG} cards by number" in page
    assert f'href="/decks/{big_deck.pk}/"' in page


def test_a_plain_form_post_without_script_plans_from_a_5000_card_deck(console, big_deck):
    ids = list(big_deck.scenarios.values_list("pk", flat=True))
    fields = {"title": "Big", "teams": "3", "deck": str(big_deck.pk), "plan": "5000, 1 2500"}
    response = console.post("/console/", fields)
    assert response.status_code == 302, response.context["form"].errors
    assert Workshop.objects.get().plan == [ids[4999], ids[0], ids[2499]]


def test_a_plan_of_every_card_of_a_5000_card_deck_is_one_field(console, big_deck, settings):
    # What the script's picker posts is the same single field, however many cards it holds.
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    ids = list(big_deck.scenarios.values_list("pk", flat=True))
    plan = ", ".join(str(n) for n in range(BIG, 0, -1))
    response = console.post(
        "/console/", {"title": "All", "teams": 2, "deck": big_deck.pk, "plan": plan}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Workshop.objects.get().plan == ids[::-1]
