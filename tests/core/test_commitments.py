"""A participant's private commitment after the end: when it may be written, and who sees it."""

from game.core import commands as c
from game.core.events import CommitmentSaved, CommitmentSavedRedacted
from game.core.limits import COMMITMENT_MAX, COMMITMENT_OPEN_SECONDS, COMMITMENT_SAVES_MAX
from game.core.model import FACILITATOR, Role, participant
from game.core.visibility import Viewer, audience, private_to, redact, snapshot
from tests.core.table import Table

ALICE = Viewer(Role.PARTICIPANT, "alice", "t1")
BOB = Viewer(Role.PARTICIPANT, "bob", "t1")
CAROL = Viewer(Role.PARTICIPANT, "carol", "t2")
SCREEN = Viewer(Role.SCREEN)
FACILITATING = Viewer(Role.FACILITATOR)
MONDAY = "Ask before I offer anything."


def ended_table() -> Table:
    table = Table(teams=2)
    table.join("alice", "bob", "carol")
    table.facilitate(c.EndWorkshop())
    return table


def test_it_refuses_a_commitment_before_the_workshop_has_ended():
    table = Table(teams=2)
    table.join("alice")
    assert table.refusal(participant("alice"), c.Commit(MONDAY)) == "workshop_not_ended"


def test_a_participant_commits_after_the_end_and_may_change_it():
    table = ended_table()
    [saved] = table.do(participant("alice"), c.Commit(f"  {MONDAY}  "))
    assert saved == CommitmentSaved("alice", MONDAY, version=1)
    table.do(participant("alice"), c.Commit("Listen first."))
    assert table.state.commitments["alice"].text == "Listen first."
    assert table.state.commitments["alice"].version == 2


def test_the_end_records_its_time_so_the_window_can_close():
    table = ended_table()
    assert table.log[-1].data == {"at": table.now}
    table.now += COMMITMENT_OPEN_SECONDS
    table.do(participant("alice"), c.Commit(MONDAY))
    table.now += 1
    assert table.refusal(participant("alice"), c.Commit(MONDAY)) == "commitments_closed"


def test_it_refuses_more_saves_than_the_limit():
    table = ended_table()
    for i in range(COMMITMENT_SAVES_MAX):
        table.do(participant("alice"), c.Commit(f"Version {i}"))
    assert table.refusal(participant("alice"), c.Commit("One more")) == "commitments_closed"
    table.do(participant("bob"), c.Commit("Mine is separate"))


def test_it_refuses_empty_long_or_rude_commitments():
    table = ended_table()
    alice = participant("alice")
    assert table.refusal(alice, c.Commit("   ")) == "commitment_invalid"
    assert table.refusal(alice, c.Commit("x" * (COMMITMENT_MAX + 1))) == "commitment_invalid"
    assert table.refusal(alice, c.Commit("Less bullshit")) == "blocked_words"
    table.do(alice, c.Commit("x" * COMMITMENT_MAX))


def test_only_participants_in_the_workshop_commit():
    table = ended_table()
    assert table.refusal(FACILITATOR, c.Commit(MONDAY)) == "participants_only"
    assert table.refusal(participant("stranger"), c.Commit(MONDAY)) == "not_joined"


def test_everything_else_is_still_refused_after_the_end():
    table = ended_table()
    assert table.refusal(participant("alice"), c.Rename("Ali")) == "workshop_ended"
    assert table.refusal(FACILITATOR, c.EndWorkshop()) == "workshop_ended"


def test_only_the_author_and_the_facilitator_see_a_commitment():
    [event] = ended_table().do(participant("alice"), c.Commit(MONDAY))
    assert redact(event, ALICE) == event
    assert redact(event, FACILITATING) == event
    for other in (BOB, CAROL, SCREEN):
        assert redact(event, other) == CommitmentSavedRedacted()
    assert audience(event, ALICE) == audience(event, FACILITATING) != audience(event, BOB)
    assert private_to(event) == "alice"


def test_a_snapshot_shows_your_own_commitment_and_the_facilitator_all_of_them():
    table = ended_table()
    table.do(participant("alice"), c.Commit(MONDAY))
    assert snapshot(table.state, ALICE)["you"]["commitment"] == MONDAY
    assert snapshot(table.state, BOB)["you"]["commitment"] is None
    assert "commitments" not in snapshot(table.state, BOB)
    assert "commitments" not in snapshot(table.state, SCREEN)
    assert snapshot(table.state, FACILITATING)["commitments"] == {"alice": MONDAY}


def test_before_the_end_a_snapshot_has_no_commitment_field():
    table = Table(teams=2)
    table.join("alice")
    assert "commitment" not in snapshot(table.state, ALICE)["you"]
