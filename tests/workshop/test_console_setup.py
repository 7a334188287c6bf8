"""The console's create form: a scenario plan, teams, timers and weights, into the log."""

from dataclasses import fields

import pytest

from game import service, store
from game.core.commands import Configure
from game.core.model import FACILITATOR, Settings
from workshop.forms import CreateWorkshopForm
from workshop.models import Deck, Scenario, Workshop
from workshop.rooms import workshop_create

pytestmark = pytest.mark.django_db


def create(console, **fields):
    response = console.post("/console/", {"title": "Friday session", "teams": 3, **fields})
    assert response.status_code == 302, form_errors(response)
    return Workshop.objects.get(code=response.url.rstrip("/").rsplit("/", 1)[-1])


def form_errors(response):
    return response.context["form"].errors if response.context else response


def test_it_creates_a_workshop_with_its_plan_in_the_order_given(console, deck, cards):
    third, first = cards[2], cards[5]
    workshop = create(console, deck=deck.pk, plan="6, 3")
    assert workshop.plan == [first.pk, third.pk]
    assert workshop.deck == deck


def test_the_settings_chosen_go_into_the_log(console, deck):
    workshop = create(
        console,
        deck=deck.pk,
        pitch_seconds=240,
        vote_seconds=0,
        yes_value="1",
        unsure_value="1/4",
        badge_share="3/4",
        badge_bonus=10,
        upsell_share="0.4",
        ballot_size=3,
        anonymous_moves="false",
        blocked_words="dud, flop",
    )
    with service.reading(workshop.pk) as state:
        chosen = state.settings
        assert len(state.teams) == 3
    assert (chosen.pitch_seconds, chosen.vote_seconds) == (240, 0)
    assert (chosen.unsure_value, chosen.badge_share, chosen.upsell_share) == ("1/4", "3/4", "0.4")
    assert (chosen.badge_bonus, chosen.ballot_size, chosen.anonymous_moves) == (10, 3, False)
    assert chosen.blocked_words == "dud, flop"


def test_the_log_keeps_only_the_settings_that_differ_from_the_defaults(console, deck):
    workshop = create(console, deck=deck.pk, yes_value="1", vote_seconds=45)
    created = store.events_after(workshop.pk, 0, limit=1)[0].event
    assert created.data["settings"] == {"vote_seconds": 45}


def test_a_form_with_only_a_title_and_teams_still_makes_a_workshop(console):
    workshop = create(console, deck="")
    assert service.read_state(workshop.pk).settings.pitch_seconds == 180


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("yes_value", "2", "Value of a yes must be between 0 and 1."),
        ("badge_share", "1e-9", "must be a number like 0.5 or 2/3."),
        ("vote_seconds", "-5", "Vote timer (seconds) must be a whole number from 0 to 3600."),
        ("ballot_size", "0", "must be at least 1."),
    ],
)
def test_bad_settings_are_refused_with_the_cores_reason(console, deck, field, value, message):
    response = console.post(
        "/console/", {"title": "Bad", "teams": 3, "deck": deck.pk, field: value}
    )
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Workshop.objects.exists()


def test_teams_of_a_set_size_start_with_two_and_open_more_as_people_join(console, client, deck):
    workshop = create(console, deck=deck.pk, team_mode="size", team_size=2, teams="")
    console.logout()
    for name in ("Ann", "Ben", "Cy", "Di", "Eve"):
        client.cookies.clear()
        assert client.post(f"/join/{workshop.code}/", {"nickname": name}).status_code == 302
    state = service.read_state(workshop.pk)
    assert state.settings.team_size == 2
    assert [len(team.members) for team in state.teams.values()] == [2, 2, 1]


def test_a_team_size_mode_needs_a_size(console, deck):
    response = console.post("/console/", {"title": "T", "deck": deck.pk, "team_mode": "size"})
    assert "People per team must be a whole number from 1" in response.content.decode()


def test_card_numbers_are_the_chosen_decks(console, deck, cards, fiona):
    mine = Deck.objects.create(name="Mine", owner=fiona)
    stray = Scenario.objects.create(
        deck=mine, slug="s", title="Stray", customer="c", situation="s", ask="a"
    )
    workshop = create(console, deck=mine.pk, plan="1")
    assert workshop.plan == [stray.pk]
    workshop = create(console, deck=deck.pk, plan="1")
    assert workshop.plan == [cards[0].pk]


def test_a_plan_needs_the_deck_its_numbers_are_from(console, deck):
    response = console.post("/console/", {"title": "T", "teams": 2, "deck": "", "plan": "1"})
    assert "Choose the deck the card numbers are from." in response.content.decode()
    assert not Workshop.objects.exists()


def test_another_facilitators_deck_is_not_on_offer(console, deck, django_user_model):
    mallory = django_user_model.objects.create_user("mallory", password="x" * 12)
    theirs = Deck.objects.create(name="Secret plans", owner=mallory)
    page = console.get("/console/").content.decode()
    assert "Secret plans" not in page
    response = console.post("/console/", {"title": "T", "teams": 2, "deck": theirs.pk})
    assert "deck" in response.context["form"].errors


def test_the_run_console_lists_the_plan_first_then_the_rest_of_the_deck(console, deck, cards):
    plan = [cards[4].pk, cards[1].pk]
    workshop = create(console, deck=deck.pk)
    Workshop.objects.filter(pk=workshop.pk).update(plan=plan)
    scenarios = console.get(f"/console/{workshop.code}/").context["scenarios"]
    assert [s["id"] for s in scenarios] == plan + [c.pk for c in cards if c.pk not in plan]
    assert [s["planned"] for s in scenarios[:3]] == [True, True, False]
    assert scenarios[0] == {"id": cards[4].pk, "title": cards[4].title, "planned": True}


def test_a_deleted_card_drops_out_of_the_plan(console, deck, cards):
    workshop = create(console, deck=deck.pk, plan="1")
    cards[0].delete()
    scenarios = console.get(f"/console/{workshop.code}/").context["scenarios"]
    assert cards[0].pk not in [s["id"] for s in scenarios]
    assert not any(s["planned"] for s in scenarios)


def test_duplicate_opens_the_form_filled_with_a_past_set_up(console, fiona, deck, cards):
    past = workshop_create(
        owner=fiona,
        title="Kickoff",
        team_count=5,
        deck=deck,
        settings={"ballot_size": 4, "badge_share": "3/4"},
        plan=[cards[3].pk, cards[0].pk],
    )
    service.submit(workshop_id=past.pk, actor=FACILITATOR, command=Configure({"vote_seconds": 60}))
    form = console.get(f"/console/?duplicate={past.code}").context["form"]
    initial = form.initial
    assert initial["title"] == "Kickoff (copy)"
    assert initial["deck"] == deck
    assert (initial["team_mode"], initial["teams"]) == ("count", 5)
    assert (initial["ballot_size"], initial["badge_share"], initial["vote_seconds"]) == (
        4,
        "3/4",
        60,
    )
    assert initial["plan"] == "4, 1"


def test_duplicating_a_sized_workshop_keeps_its_team_size(console, fiona, deck):
    past = workshop_create(
        owner=fiona, title="Big room", team_count=2, deck=deck, settings={"team_size": 6}
    )
    initial = console.get(f"/console/?duplicate={past.code}").context["form"].initial
    assert (initial["team_mode"], initial["team_size"]) == ("size", 6)


def test_the_duplicated_form_posts_back_to_the_same_set_up(console, fiona, deck, cards):
    past = workshop_create(
        owner=fiona, title="Kickoff", team_count=3, deck=deck, plan=[cards[2].pk]
    )
    form = console.get(f"/console/?duplicate={past.code}").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None}
    data["deck"] = deck.pk
    copy = create(console, **data)
    assert copy.title == "Kickoff (copy)" and copy.plan == [cards[2].pk]
    assert len(service.read_state(copy.pk).teams) == 3


def test_a_workshop_you_do_not_run_cannot_be_duplicated(console, deck, django_user_model):
    mallory = django_user_model.objects.create_user("mallory", password="x" * 12)
    theirs = workshop_create(owner=mallory, title="Theirs", team_count=2, deck=deck)
    assert console.get(f"/console/?duplicate={theirs.code}").status_code == 404


def test_the_console_lists_a_duplicate_action_and_links_the_scenario_editor(console, fiona, deck):
    workshop_create(owner=fiona, title="Kickoff", team_count=2, deck=deck)
    page = console.get("/console/").content.decode()
    assert "Duplicate set-up" in page and 'href="/decks/"' in page


def test_the_create_form_sets_every_setting_the_game_has():
    covered = {*CreateWorkshopForm.SETTINGS, "team_size"}
    assert covered == {f.name for f in fields(Settings)}
