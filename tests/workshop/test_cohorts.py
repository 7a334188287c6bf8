import pytest

from game import service
from game.core import commands as c
from game.core.model import FACILITATOR, participant
from workshop.cohorts import compare
from workshop.models import Scenario, Workshop
from workshop.rooms import workshop_create

from .played import NO, UNSURE, YES, play

pytestmark = pytest.mark.django_db


def _ok(workshop, actor, command):
    assert service.submit(workshop_id=workshop.pk, actor=actor, command=command).ok


def _another(fiona, workshop, title):
    return workshop_create(owner=fiona, title=title, team_count=2, deck=workshop.deck)


def _one_round_on(workshop, card):
    """Ann (t1) and Ben (t2) play one round on ``card``: only Ann's move, rated by Ben."""
    _ok(workshop, participant("ann"), c.Join("Ann"))
    _ok(workshop, participant("ben"), c.Join("Ben"))
    _ok(workshop, FACILITATOR, c.StartRound(card))
    _ok(workshop, FACILITATOR, c.Advance())
    _ok(workshop, participant("ann"), c.SubmitMove("Listen first", 0))
    _ok(workshop, FACILITATOR, c.Advance())
    _ok(workshop, participant("ben"), c.CastVote("t1", YES, UNSURE))
    _ok(workshop, FACILITATOR, c.Advance())


@pytest.fixture
def cohort(workshop, fiona, frozen_clock):
    later = _another(fiona, workshop, "Afternoon workshop")
    play(workshop, frozen_clock)
    # The same two scenarios, rated more harshly in round 2.
    harsher = [("alice", "t2", NO, NO), ("carol", "t2", NO, YES), ("bob", "t1", UNSURE, YES),
               ("dan", "t1", NO, NO)]  # fmt: skip
    play(later, frozen_clock, votes_round_2=harsher)
    elsewhere = _another(fiona, workshop, "Evening workshop")
    _one_round_on(elsewhere, Scenario.objects.filter(deck=workshop.deck)[2].as_card())
    _another(fiona, workshop, "Not started")
    return workshop, later, elsewhere


def test_workshops_are_grouped_by_the_scenarios_they_played(cohort):
    morning, _afternoon, _evening = cohort
    groups = compare(Workshop.objects.order_by("created_at", "pk"))
    assert [[w.title for w in g.workshops] for g in groups] == [
        ["Morning workshop", "Afternoon workshop"],
        ["Evening workshop"],
    ]
    cards = Scenario.objects.filter(deck=morning.deck)
    assert list(groups[0].titles.values()) == [cards[0].title, cards[1].title]


def test_each_scenario_compares_scores_rates_and_answers_side_by_side(cohort):
    groups = compare(Workshop.objects.order_by("created_at", "pk"))
    (_title1, first), (_title2, second) = groups[0].rows
    # Round 1 was played alike: Amber 120 with a badge, Night owls flagged upsell.
    assert [(r.moves, r.average, r.badge_rate, r.upsell_rate) for _w, r in first] == [
        (2, 60.0, 50, 50),
        (2, 60.0, 50, 50),
    ]
    # Round 2: 120 and 25 in the morning; 50 and 0 (upsell) in the afternoon, Daniel's
    # votes gone with him.
    assert [(r.average, r.badge_rate, r.upsell_rate) for _w, r in second] == [
        (72.5, 50, 0),
        (25.0, 0, 50),
    ]
    assert [r.q1 for _w, r in second] == [
        {"yes": 33, "unsure": 33, "no": 33},
        {"yes": 0, "unsure": 33, "no": 67},
    ]


def test_a_round_without_votes_counts_its_move_but_no_answers(cohort):
    _morning, _afternoon, evening = cohort
    [group] = compare([evening])
    [(_title, [(_w, result)])] = group.rows
    assert (result.moves, result.average, result.q2) == (
        1,
        50.0,
        {"yes": 0, "unsure": 100, "no": 0},
    )


def test_the_cohorts_page_shows_only_the_users_workshops(client, cohort, django_user_model):
    morning, _afternoon, _evening = cohort
    client.force_login(morning.owner)
    page = client.get("/cohorts/").content.decode()
    assert "Afternoon workshop" in page and "Evening workshop" in page
    assert "Not started" not in page
    assert "<caption>" in page and 'scope="row"' in page
    sam = django_user_model.objects.create_user(username="sam", password="x" * 20)
    client.force_login(sam)
    page = client.get("/cohorts/").content.decode()
    assert "Morning workshop" not in page and "No workshop has revealed a round yet." in page


def test_cohorts_read_each_workshops_results_without_folding_its_log(cohort, monkeypatch):
    expected = [
        (g.titles, [w.pk for w in g.workshops], g.rows)
        for g in compare(Workshop.objects.order_by("created_at", "pk"))
    ]
    service.forget()

    def no_fold(*args, **kwargs):
        raise AssertionError("cohorts folded a whole log")

    monkeypatch.setattr(service, "reading", no_fold)
    monkeypatch.setattr(service, "read_state", no_fold)
    groups = compare(Workshop.objects.order_by("created_at", "pk"))
    assert [(g.titles, [w.pk for w in g.workshops], g.rows) for g in groups] == expected
