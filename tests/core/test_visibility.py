import json

from game.core import commands as c
from game.core.events import load
from game.core.model import Role
from game.core.visibility import Viewer, audience, public_snapshot, redact, snapshot
from tests.core.table import NO, YES, Table

ALICE = Viewer(Role.PARTICIPANT, "alice", "t1")
BOB = Viewer(Role.PARTICIPANT, "bob", "t2")
SCREEN = Viewer(Role.SCREEN)
FACILITATOR = Viewer(Role.FACILITATOR)

VOTE = load(
    "vote_cast",
    {"round": 1, "voter": "alice", "team": "t2", "q1": "yes", "q2": "no", "votes_in": 4},
)
MOVE = load(
    "move_saved", {"round": 1, "team": "t1", "text": "Secret plan", "version": 2, "author": "alice"}
)


def test_a_voter_sees_their_own_ballot_and_no_one_else_does():
    assert redact(VOTE, ALICE) == VOTE
    for other in (BOB, SCREEN, FACILITATOR):
        assert redact(VOTE, other).data == {"round": 1, "votes_in": 4}


def test_a_moves_text_stays_in_its_team_until_the_vote_opens():
    assert redact(MOVE, ALICE) == MOVE
    assert redact(MOVE, FACILITATOR) == MOVE
    for other in (BOB, SCREEN):
        assert redact(MOVE, other).data == {"round": 1, "team": "t1", "version": 2}


def test_a_redacted_event_keeps_its_type_so_the_sequence_has_no_hole():
    assert redact(VOTE, BOB).type == "vote_cast"
    assert redact(MOVE, BOB).type == "move_saved"


def test_the_snapshot_shows_no_results_and_no_other_ballots_during_the_vote():
    table = Table(teams=2)
    table.join("alice", "bob")
    table.start_round()
    table.advance()
    table.move("alice", "Plan A")
    table.move("bob", "Plan B")
    table.advance()
    table.vote("alice", "t2", YES, NO)
    bob_view = snapshot(table.state, BOB)
    assert bob_view["round"]["my_votes"] == {}
    assert bob_view["round"]["results"] is None
    assert bob_view["round"]["votes_in"] == 1
    assert bob_view["round"]["ballot"] == ["t1"]
    assert snapshot(table.state, ALICE)["round"]["my_votes"] == {"t2": {"q1": "yes", "q2": "no"}}
    assert bob_view["you"] == {"id": "bob", "nickname": "Bob", "team": "t2"}


def test_during_the_pitch_a_snapshot_hides_other_teams_moves():
    table = Table(teams=2)
    table.join("alice", "bob")
    table.start_round()
    table.advance()
    table.move("alice", "Plan A")
    assert snapshot(table.state, BOB)["round"]["moves"] == {"t1": {"version": 1}}
    assert snapshot(table.state, ALICE)["round"]["moves"] == {
        "t1": {"version": 1, "text": "Plan A", "author": "alice"}
    }
    assert snapshot(table.state, SCREEN)["round"]["moves"] == {"t1": {"version": 1}}


def test_a_hidden_move_leaves_the_screen_but_not_its_team_or_the_facilitator():
    from game.core import commands as c
    from game.core.model import FACILITATOR as BOSS

    table = Table(teams=2)
    table.join("alice", "bob")
    table.start_round()
    table.advance()
    table.move("alice", "Something rude")
    table.advance()
    table.do(BOSS, c.HideMove("t1"))
    assert snapshot(table.state, SCREEN)["round"]["moves"]["t1"] == {"version": 1, "hidden": True}
    assert "text" not in snapshot(table.state, BOB)["round"]["moves"]["t1"]
    assert snapshot(table.state, ALICE)["round"]["moves"]["t1"]["text"] == "Something rude"
    table.do(BOSS, c.HideMove("t1", hidden=False))
    assert snapshot(table.state, SCREEN)["round"]["moves"]["t1"]["text"] == "Something rude"


def test_a_move_hidden_during_the_pitch_opens_without_its_text_and_unhiding_brings_it():
    from game.core import commands as c
    from game.core.model import FACILITATOR as BOSS

    table = Table(teams=2)
    table.join("alice", "bob")
    table.start_round()
    table.advance()
    table.move("alice", "Something rude")
    table.move("bob", "Plan B")
    table.do(BOSS, c.HideMove("t1"))
    (opened,) = table.advance()
    assert opened.data["moves"] == {"t2": "Plan B"}
    (shown,) = table.do(BOSS, c.HideMove("t1", hidden=False))
    assert shown.data == {"round": 1, "team": "t1", "hidden": False, "text": "Something rude"}


# -- hidden moves, per role (docs/protocol.md §7.2) -----------------------------------------------


def hidden_at_the_opening() -> tuple[Table, list]:
    """alice (t1) wrote something rude, hidden during the pitch; bob (t2) and carol (t1) too."""
    from game.core import commands as c
    from game.core.model import FACILITATOR as BOSS

    table = Table(teams=2)
    table.join("alice", "bob", "carol")
    table.start_round()
    table.advance()
    table.move("alice", "Something rude")
    table.move("bob", "Plan B")
    table.do(BOSS, c.HideMove("t1"))
    return table, table.advance()


CAROL = Viewer(Role.PARTICIPANT, "carol", "t1")


def test_the_vote_opens_with_a_hidden_move_s_text_for_its_team_and_the_facilitator_only():
    table, (opened,) = hidden_at_the_opening()
    for viewer in (FACILITATOR, ALICE, CAROL, BOB, SCREEN):  # one event, the same for all
        assert redact(opened, viewer).data["moves"] == {"t2": "Plan B"}
    for insider in (FACILITATOR, ALICE, CAROL):
        move = snapshot(table.state, insider)["round"]["moves"]["t1"]
        assert move == {"version": 1, "hidden": True, "text": "Something rude", "author": "alice"}
    for outsider in (BOB, SCREEN):
        move = snapshot(table.state, outsider)["round"]["moves"]["t1"]
        assert move == {"version": 1, "hidden": True}


def test_showing_a_hidden_move_again_after_the_opening_sends_its_text_to_every_role():
    from game.core import commands as c
    from game.core.model import FACILITATOR as BOSS

    table, _ = hidden_at_the_opening()
    (shown,) = table.do(BOSS, c.HideMove("t1", hidden=False))
    for viewer in (FACILITATOR, ALICE, CAROL, BOB, SCREEN):
        assert redact(shown, viewer).data["text"] == "Something rude"
        assert snapshot(table.state, viewer)["round"]["moves"]["t1"]["text"] == "Something rude"


def test_moving_to_another_team_after_the_vote_does_not_hand_over_its_hidden_move():
    """The events a client folds never bring a hidden move's text or author to someone who
    joins its team after the vote, so the snapshot does not either; and the one who wrote it
    keeps seeing it from their new team."""
    from game.core import commands as c
    from game.core.model import FACILITATOR as BOSS

    table, _ = hidden_at_the_opening()
    table.advance()  # reveal: teams may change again
    table.do(BOSS, c.AssignTeam("bob", "t1"))
    table.do(BOSS, c.AssignTeam("alice", "t2"))
    bob_now = Viewer(Role.PARTICIPANT, "bob", "t1")
    alice_now = Viewer(Role.PARTICIPANT, "alice", "t2")
    assert snapshot(table.state, bob_now)["round"]["moves"]["t1"] == {"version": 1, "hidden": True}
    assert snapshot(table.state, alice_now)["round"]["moves"]["t1"]["text"] == "Something rude"
    assert "author" not in snapshot(table.state, alice_now)["round"]["moves"]["t2"]
    assert snapshot(table.state, bob_now)["round"]["moves"]["t2"]["author"] == "bob"


def test_only_facilitators_see_the_blocked_words_in_a_snapshot():
    table = Table(teams=2, settings={"blocked_words": "upsell"})
    table.join("alice")
    table.facilitate(c.Configure({"blocked_words": "churn, upsell", "vote_seconds": 60}))
    assert snapshot(table.state, FACILITATOR)["settings"]["blocked_words"] == "churn, upsell"
    for viewer in (ALICE, SCREEN):
        seen = snapshot(table.state, viewer)["settings"]
        assert "blocked_words" not in seen
        assert seen["vote_seconds"] == 60  # the rest of the settings still reach everyone


def test_the_shared_part_of_a_snapshot_holds_no_blocked_words():
    table = Table(teams=2, settings={"blocked_words": "upsell"})
    assert "upsell" not in json.dumps(public_snapshot(table.state))


def test_a_change_of_blocked_words_reaches_phones_and_the_screen_without_the_words():
    table = Table(teams=2)
    (changed,) = table.facilitate(c.Configure({"blocked_words": "churn", "vote_seconds": 60}))
    assert redact(changed, FACILITATOR) == changed
    for viewer in (ALICE, SCREEN):
        shown = redact(changed, viewer)
        assert shown.type == "settings_changed"  # the seq stays: no hole in the sequence
        assert shown.data == {"settings": {"vote_seconds": 60}}
    (only_words,) = table.facilitate(c.Configure({"blocked_words": "flop"}))
    assert redact(only_words, SCREEN).data == {"settings": {}}


def test_the_opening_event_keeps_the_blocked_words_from_all_but_facilitators():
    table = Table(teams=2, settings={"blocked_words": "upsell", "badge_bonus": 30})
    created = table.log[0]
    assert redact(created, FACILITATOR).data["settings"]["blocked_words"] == "upsell"
    for viewer in (ALICE, SCREEN):
        shown = redact(created, viewer)
        assert shown.data["settings"] == {"badge_bonus": 30}
        assert shown.data["title"] == created.data["title"]
        assert audience(created, viewer) != audience(created, FACILITATOR)


def test_settings_without_blocked_words_reach_everyone_as_they_are():
    table = Table(teams=2)
    (changed,) = table.facilitate(c.Configure({"vote_seconds": 60}))
    assert {audience(changed, v) for v in (ALICE, SCREEN, FACILITATOR)} == {"all"}
