"""The group commit on PostgreSQL: a room whose command fails is rolled back to its own
savepoint, and the other rooms in the same transaction commit (the SQLite case is in
test_service.py)."""

from __future__ import annotations

import json

import pytest

from tests.servers import manage, postgres_server, server_env

pytestmark = pytest.mark.services

SCRIPT = """
import json
from django.contrib.auth import get_user_model
from game import commit as module
from game.commit import Submission, commit
from game.core import commands as c
from game.core.model import participant
from game.models import Event
from workshop.decks import load_builtin_deck
from workshop.models import Deck, Scenario
from workshop.rooms import workshop_create

load_builtin_deck(Deck, Scenario)
fiona = get_user_model().objects.create_user(username="fiona", password="x" * 20)
deck = Deck.objects.first()
morning = workshop_create(owner=fiona, title="Morning", team_count=2, deck=deck)
afternoon = workshop_create(owner=fiona, title="Afternoon", team_count=2, deck=deck)
transactions = []
real = module._commit
module._commit = lambda batches: transactions.append(1) or real(batches)

def broken(outcome):
    raise RuntimeError("the seat could not be written")

results = commit({
    morning.pk: [Submission(participant("alice"), c.Join("Alice"), then=broken)],
    afternoon.pk: [Submission(participant("carol"), c.Join("Carol"))],
})
joined = lambda w: list(Event.objects.filter(workshop=w, type="participant_joined").values_list("seq", flat=True))
print(json.dumps({
    "morning": type(results[morning.pk]).__name__,
    "afternoon": [o.seqs for o in results[afternoon.pk]],
    "transactions": len(transactions),
    "joined": [joined(morning), joined(afternoon)],
}))
"""


def test_on_postgresql_a_failing_room_fails_alone_inside_the_shared_transaction():
    with postgres_server() as new_database:
        env = server_env(DATABASE_URL=new_database())
        manage(env, "migrate", "--noinput", "-v", "0")
        printed = manage(env, "shell", "-c", SCRIPT).strip().splitlines()[-1]
    assert json.loads(printed) == {
        "morning": "RuntimeError",
        "afternoon": [[2]],
        "transactions": 1,
        "joined": [[], [2]],
    }
