"""The replay pages, server side: who may see them, the shared read-only link, and that the log a
replay folds is the one the projector saw (no ballots, no move text before the vote)."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings

from game import service
from game.core import commands as c
from game.core.model import FACILITATOR, Answer, Role, participant
from game.core.replay import fold_prefix
from game.core.visibility import Viewer, snapshot
from game.models import Game
from game.store import events_after
from tests.workshop.test_phone_pages import bare_text
from workshop.models import Workshop

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "replay"
CARD = {"title": "The late request", "customer": "A partner team", "situation": "s", "ask": "a"}
SECRET_MOVE = "We take the weekend shift ourselves"
OTHER_MOVE = "Offer the premium plan"


def submit(workshop, actor, command):
    outcome = service.submit(workshop_id=workshop.pk, actor=actor, command=command)
    assert outcome.ok, outcome.message


@pytest.fixture
def played(workshop, frozen_clock):
    """Round 1 played to its leaderboard by ann (team 1) and ben (team 2), then round 2 begun."""
    submit(workshop, participant("ann"), c.Join("Ann"))
    submit(workshop, participant("ben"), c.Join("Ben"))
    state = service.read_state(workshop.pk)
    assert state.team_of("ann") != state.team_of("ben")
    for n in (1, 2):
        submit(workshop, FACILITATOR, c.StartRound(CARD))
        frozen_clock.advance(5)
        submit(workshop, FACILITATOR, c.Advance())
        frozen_clock.advance(20)
        submit(workshop, participant("ann"), c.SubmitMove(f"{SECRET_MOVE} {n}", 0))
        submit(workshop, participant("ben"), c.SubmitMove(f"{OTHER_MOVE} {n}", 0))
        frozen_clock.advance(30)
        submit(workshop, FACILITATOR, c.Advance())
        frozen_clock.advance(3)
        team_of = service.read_state(workshop.pk).team_of
        submit(workshop, participant("ann"), c.CastVote(team_of("ben"), Answer.YES, Answer.NO))
        submit(workshop, participant("ben"), c.CastVote(team_of("ann"), Answer.YES, Answer.YES))
        frozen_clock.advance(10)
        submit(workshop, FACILITATOR, c.Advance())
        submit(workshop, FACILITATOR, c.Advance())
        frozen_clock.advance(60)
    return workshop


def served(response) -> dict:
    """The replay data the page hands its script."""
    found = re.search(r'<script id="replay-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)  # fmt: skip
    return json.loads(unescape(found.group(1)))


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(username="oscar", password="another passphrase")


def test_the_facilitator_lists_their_workshops_with_a_link_per_round(client, fiona, played):
    client.force_login(fiona)
    page = client.get("/replays/").content.decode()
    assert played.title in page
    for n in (1, 2):
        assert f"/replay/{played.code}/?round={n}" in page


def test_another_facilitator_sees_neither_the_workshop_nor_its_replay(client, other, played):
    client.force_login(other)
    assert played.title not in client.get("/replays/").content.decode()
    assert client.get(f"/replay/{played.code}/").status_code == 404
    assert client.post(f"/replay/{played.code}/share/").status_code == 404
    assert Workshop.objects.get(pk=played.pk).replay_token == ""


def test_a_cofacilitator_and_a_superuser_may_replay(client, other, django_user_model, played):
    played.cofacilitators.add(other)
    client.force_login(other)
    assert client.get(f"/replay/{played.code}/?round=1").status_code == 200
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root pass 1")
    client.force_login(admin)
    assert played.title in client.get("/replays/").content.decode()
    assert client.get(f"/replay/{played.code}/?round=2").status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(client, played):
    for url in ("/replays/", f"/replay/{played.code}/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_console_links_to_the_replays(client, fiona):
    client.force_login(fiona)
    assert 'href="/replays/"' in client.get("/console/").content.decode()


def test_a_round_is_served_from_its_start_to_the_next_round_with_recorded_times(
    client, fiona, played
):
    client.force_login(fiona)
    data = served(client.get(f"/replay/{played.code}/?round=1"))
    log = events_after(played.pk, 0)
    starts = [x.seq for x in log if x.event.type == "round_started"]
    assert (data["round"], data["first"], data["last"]) == (1, starts[0], starts[1] - 1)
    assert [x["seq"] for x in data["events"]] == list(range(starts[0], starts[1]))
    assert data["start"] == snapshot(fold_prefix(log, starts[0] - 1), Viewer(Role.SCREEN))
    times = [x["at"] for x in data["events"]]
    assert times == sorted(times) and times[-1] - times[0] == 5 + 20 + 30 + 3 + 10
    marks = {x["type"]: x["mark"] for x in data["events"]}
    assert marks["phase_changed"] == "phase" and marks["vote_cast"] == "vote"
    assert marks["move_saved"] == "move"


def test_the_log_served_is_what_the_screen_saw(client, fiona, played):
    client.force_login(fiona)
    data = served(client.get(f"/replay/{played.code}/?round=2"))
    events = data["events"]
    votes = [x["data"] for x in events if x["type"] == "vote_cast"]
    assert votes and all(set(d) == {"round", "votes_in"} for d in votes)
    opened = next(i for i, x in enumerate(events) if x["data"].get("phase") == "vote")
    before_vote = json.dumps([data["start"]["round"], events[:opened]])
    assert f"{SECRET_MOVE} 1" in before_vote  # round 1, on the screen since its vote
    assert f"{SECRET_MOVE} 2" not in before_vote and f"{OTHER_MOVE} 2" not in before_vote
    assert f"{SECRET_MOVE} 2" in json.dumps(events[opened])  # the vote shows every move
    assert all("author" not in x["data"] for x in events)


def test_an_unknown_round_falls_back_to_the_first(client, fiona, played):
    client.force_login(fiona)
    assert served(client.get(f"/replay/{played.code}/?round=9"))["round"] == 1
    assert served(client.get(f"/replay/{played.code}/?round=0"))["round"] == 0


def test_a_workshop_with_an_empty_log_has_nothing_to_replay(client, fiona, workshop):
    Game.objects.filter(pk=workshop.pk).update(last_seq=0)
    client.force_login(fiona)
    assert client.get(f"/replay/{workshop.code}/").status_code == 404


def share_link(client, workshop, action="create") -> str:
    client.post(f"/replay/{workshop.code}/share/", {"action": action, "round": "2"})
    token = Workshop.objects.get(pk=workshop.pk).replay_token
    return f"/replay/{workshop.code}/shared/{token}/" if token else ""


def test_a_shared_link_shows_the_replay_read_only_to_anyone(client, fiona, played):
    client.force_login(fiona)
    link = share_link(client, played)
    assert link in client.get(f"/replay/{played.code}/").content.decode()
    client.logout()
    response = client.get(link + "?round=2")
    page = response.content.decode()
    assert response.status_code == 200 and response["Referrer-Policy"] == "no-referrer"
    assert served(response)["round"] == 2
    assert "/share/" not in page and "/console/" not in page and "/replays/" not in page
    assert 'name="csrfmiddlewaretoken"' not in page


def test_revoking_the_link_makes_it_404(client, fiona, played):
    client.force_login(fiona)
    link = share_link(client, played)
    assert share_link(client, played, "revoke") == ""
    client.logout()
    assert client.get(link).status_code == 404


def test_replacing_the_link_retires_the_old_one(client, fiona, played):
    client.force_login(fiona)
    old = share_link(client, played)
    new = share_link(client, played)
    assert old != new
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200


def test_a_made_up_or_empty_token_finds_nothing(client, played):
    assert client.get(f"/replay/{played.code}/shared/guess/").status_code == 404
    assert client.get(f"/replay/{played.code}/shared/x/").status_code == 404


def test_sharing_is_a_post_only_action(client, fiona, played):
    client.force_login(fiona)
    assert client.get(f"/replay/{played.code}/share/").status_code == 405


@pytest.mark.parametrize("name", ["list.html", "replay.html"])
def test_the_replay_templates_have_no_untranslated_text(name):
    source = (TEMPLATES / name).read_text()
    assert bare_text(source) == []
