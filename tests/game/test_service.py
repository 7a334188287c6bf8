import pytest

from game import service
from game.commit import Submission, commit
from game.core import commands as c
from game.core.model import FACILITATOR, SYSTEM, State, participant
from game.models import Event, Game, Receipt
from game.rooms import rooms

pytestmark = pytest.mark.django_db


def submit(workshop, actor, command, client_id=None, now=None):
    return service.submit(
        workshop_id=workshop.pk, actor=actor, command=command, client_id=client_id, now=now
    )


def test_it_appends_each_accepted_command_with_a_gapless_sequence(workshop):
    submit(workshop, participant("alice"), c.Join("Alice"))
    submit(workshop, participant("bob"), c.Join("Bob"))
    seqs = list(Event.objects.filter(workshop=workshop).values_list("seq", flat=True))
    assert seqs == [1, 2, 3]
    assert Game.objects.get(pk=workshop.pk).last_seq == 3


def test_a_refusal_writes_no_event(workshop):
    outcome = submit(workshop, participant("alice"), c.Join("   "))
    assert (outcome.ok, outcome.code) == (False, "nickname_invalid")
    assert Event.objects.filter(workshop=workshop).count() == 1


def test_a_retried_command_is_applied_once_and_answered_the_same(workshop):
    first = submit(workshop, participant("alice"), c.Join("Alice"), client_id="join-1")
    again = submit(workshop, participant("alice"), c.Join("Alice"), client_id="join-1")
    assert first.seqs == again.seqs == [2]
    assert again.duplicate and not first.duplicate
    assert [x.event for x in again.logged] == [x.event for x in first.logged]
    assert Event.objects.filter(workshop=workshop).count() == 2


def test_a_retried_refusal_is_answered_with_the_same_refusal(workshop):
    first = submit(workshop, FACILITATOR, c.Advance(), client_id="adv-1")
    submit(
        workshop,
        FACILITATOR,
        c.StartRound({"title": "t", "customer": "c", "situation": "s", "ask": "a"}),
    )
    again = submit(workshop, FACILITATOR, c.Advance(), client_id="adv-1")
    assert (first.code, again.code, again.duplicate) == ("no_round", "no_round", True)


def test_client_ids_belong_to_their_sender(workshop):
    submit(workshop, participant("alice"), c.Join("Alice"), client_id="same")
    bob = submit(workshop, participant("bob"), c.Join("Bob"), client_id="same")
    assert bob.ok and not bob.duplicate
    assert Receipt.objects.filter(workshop=workshop).count() == 2


def test_a_restarted_server_rebuilds_the_same_state_from_the_log(workshop):
    submit(workshop, participant("alice"), c.Join("Alice"))
    submit(
        workshop,
        FACILITATOR,
        c.StartRound({"title": "t", "customer": "c", "situation": "s", "ask": "a"}),
    )
    before = service.read_state(workshop.pk)
    service.forget()
    after = service.read_state(workshop.pk)
    assert after == before and after is not before


def test_another_process_writing_the_log_is_caught_up_before_deciding(workshop):
    submit(workshop, participant("alice"), c.Join("Alice"))
    stale = service.read_state(workshop.pk)
    # Another process appends straight to the log and moves the workshop's seq on.
    room = rooms.find(workshop.pk)
    room.state = State()  # a process that has seen nothing yet
    submit(workshop, participant("bob"), c.Join("Bob"))
    room.state = stale
    outcome = submit(workshop, participant("carol"), c.Join("Bob"))
    assert outcome.code == "nickname_taken"


def test_the_workshop_row_mirrors_the_running_deadline(workshop):
    submit(
        workshop,
        FACILITATOR,
        c.StartRound({"title": "t", "customer": "c", "situation": "s", "ask": "a"}),
    )
    submit(workshop, FACILITATOR, c.Advance(), now=5000.0)
    assert Game.objects.get(pk=workshop.pk).deadline == 5000.0 + 180
    submit(workshop, FACILITATOR, c.Pause(), now=5010.0)
    assert Game.objects.get(pk=workshop.pk).deadline is None


def test_the_timer_closes_a_due_phase_through_the_same_write_path(workshop):
    submit(
        workshop,
        FACILITATOR,
        c.StartRound({"title": "t", "customer": "c", "situation": "s", "ask": "a"}),
    )
    submit(workshop, FACILITATOR, c.Advance(), now=5000.0)
    assert not submit(workshop, SYSTEM, c.CloseDuePhase(), now=5100.0).ok
    assert submit(workshop, SYSTEM, c.CloseDuePhase(), now=5180.0).ok
    assert service.read_state(workshop.pk).phase.value == "vote"


def test_a_page_that_has_just_read_the_row_reads_the_fold_without_asking_again(
    workshop, django_assert_num_queries
):
    submit(workshop, participant("alice"), c.Join("Alice"))
    row = Game.objects.get(pk=workshop.pk)
    with django_assert_num_queries(0), service.reading(row.pk, row.last_seq) as state:
        assert "alice" in state.people


def test_a_row_ahead_of_the_fold_still_catches_the_fold_up_from_the_log(workshop):
    submit(workshop, participant("alice"), c.Join("Alice"))
    row = Game.objects.get(pk=workshop.pk)
    service.forget(workshop.pk)
    with service.reading(row.pk, row.last_seq) as state:
        assert state.seq == row.last_seq and "alice" in state.people


def test_one_group_commit_moves_every_room_it_holds_on(workshop, fiona, frozen_clock):
    from workshop.rooms import workshop_create

    other = workshop_create(owner=fiona, title="Afternoon", team_count=2, deck=workshop.deck)
    joins = {
        room.pk: [Submission(participant(pid), c.Join(pid.title())) for pid in pids]
        for room, pids in ((workshop, ["alice", "bob"]), (other, ["carol"]))
    }
    outcomes = commit(joins)
    assert [o.seqs for o in outcomes[workshop.pk]] == [[2], [3]]
    assert [o.seqs for o in outcomes[other.pk]] == [[2]]
    rows = dict(Game.objects.values_list("pk", "last_seq"))
    assert (rows[workshop.pk], rows[other.pk]) == (3, 2)


def test_a_room_whose_command_fails_does_not_take_another_rooms_commands_with_it(
    workshop, fiona, frozen_clock, monkeypatch
):
    """The group commit shares one transaction between rooms; a failure in one of them (here
    the row recorded beside its join) is rolled back to that room's savepoint and fails that
    room's commands only, in the same transaction."""
    from game import commit as commit_module
    from workshop.rooms import workshop_create

    other = workshop_create(owner=fiona, title="Afternoon", team_count=2, deck=workshop.deck)
    transactions = []
    real = commit_module._commit
    monkeypatch.setattr(commit_module, "_commit", lambda b: transactions.append(b) or real(b))

    def broken(outcome):
        raise RuntimeError("the seat could not be written")

    outcomes = commit(
        {
            workshop.pk: [Submission(participant("alice"), c.Join("Alice"), then=broken)],
            other.pk: [Submission(participant("carol"), c.Join("Carol"))],
        }
    )
    assert isinstance(outcomes[workshop.pk], RuntimeError)
    assert [o.seqs for o in outcomes[other.pk]] == [[2]]
    assert Event.objects.filter(workshop_id=other.pk, type="participant_joined").exists()
    assert not Event.objects.filter(workshop_id=workshop.pk, type="participant_joined").exists()
    assert len(transactions) == 1  # not retried room by room: the savepoint kept Carol's join
    with service.reading(workshop.pk) as state:
        assert "alice" not in state.people  # the fold was rebuilt from what was committed


@pytest.mark.django_db(transaction=True)
async def test_the_writer_hands_a_rooms_failure_to_that_rooms_commands_only(
    workshop, fiona, frozen_clock
):
    import asyncio

    from channels.db import database_sync_to_async

    from game.writer import writer
    from workshop.rooms import workshop_create

    other = await database_sync_to_async(workshop_create)(
        owner=fiona, title="Afternoon", team_count=2, deck=workshop.deck
    )

    def broken(outcome):
        raise RuntimeError("the seat could not be written")

    failing = writer.submit(
        workshop.pk, Submission(participant("alice"), c.Join("Alice"), then=broken)
    )
    fine = writer.submit(other.pk, Submission(participant("carol"), c.Join("Carol")))
    results = await asyncio.gather(failing, fine, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert results[1].ok and results[1].seqs == [2]
