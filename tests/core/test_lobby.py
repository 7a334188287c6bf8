import pytest

from game.core import commands as c
from game.core.model import FACILITATOR, participant
from tests.core.table import Table


def test_it_creates_the_workshop_with_its_teams_and_settings():
    table = Table(teams=2, settings={"badge_bonus": 30})
    assert table.state.created
    assert [t.name for t in table.state.teams.values()] == ["Team 1", "Team 2"]
    assert table.state.settings.badge_bonus == 30


def test_it_balances_teams_as_people_join():
    table = Table(teams=3)
    table.join("alice", "bob", "carol", "dave")
    assert [t.members for t in table.state.teams.values()] == [
        ["alice", "dave"],
        ["bob"],
        ["carol"],
    ]


def test_it_keeps_a_nickname_once_given_and_lets_its_owner_change_it():
    table = Table()
    table.join("alice")
    table.do(participant("alice"), c.Rename("  Alice   the  Bold "))
    assert table.state.people["alice"].nickname == "Alice the Bold"


def test_it_lets_you_rename_to_your_own_name_in_other_letters():
    table = Table()
    table.join("alice")
    table.do(participant("alice"), c.Rename("ALICE"))
    assert table.state.people["alice"].nickname == "ALICE"


def test_the_facilitator_moves_people_between_teams():
    table = Table(teams=2)
    table.join("alice", "bob")
    table.facilitate(c.AssignTeam("alice", "t2"))
    assert table.state.teams["t2"].members == ["bob", "alice"]
    assert table.state.teams["t1"].members == []


def test_the_facilitator_adds_and_renames_teams():
    table = Table(teams=2)
    table.facilitate(c.AddTeam("Latecomers"))
    table.facilitate(c.RenameTeam("t1", "Early Birds"))
    assert [t.name for t in table.state.teams.values()] == ["Early Birds", "Team 2", "Latecomers"]
    assert list(table.state.teams) == ["t1", "t2", "t3"]


def test_locking_the_room_keeps_new_people_out_until_unlocked():
    table = Table()
    table.facilitate(c.LockJoining(True))
    assert table.refusal(participant("eve"), c.Join("Eve")) == "joining_locked"
    table.facilitate(c.LockJoining(False))
    table.join("eve")
    assert "eve" in table.state.people


def test_the_facilitator_changes_the_scoring_weights():
    table = Table()
    table.facilitate(c.Configure({"unsure_value": "0.25", "ballot_size": 3}))
    assert table.state.settings.unsure_value == "0.25"
    assert table.state.settings.ballot_size == 3


def test_ending_the_workshop_stops_everything():
    table = Table()
    table.join("alice")
    table.facilitate(c.EndWorkshop())
    assert table.state.ended
    assert table.refusal(participant("bob"), c.Join("Bob")) == "workshop_ended"
    assert table.refusal(FACILITATOR, c.Advance()) == "workshop_ended"


def test_kicking_someone_frees_their_seat_and_nickname():
    table = Table(teams=2)
    table.join("alice", "bob")
    table.facilitate(c.RemoveParticipant("alice"))
    assert "alice" not in table.state.people
    assert table.state.teams["t1"].members == []
    table.do(participant("alice2"), c.Join("Alice"))
    assert table.state.people["alice2"].nickname == "Alice"


def test_a_kicked_participant_can_no_longer_act():
    table = Table(teams=2)
    table.join("alice")
    table.facilitate(c.RemoveParticipant("alice"))
    assert table.refusal(participant("alice"), c.Rename("Back")) == "not_joined"


def test_a_banned_participant_cannot_come_back_with_their_seat():
    table = Table(teams=2)
    table.join("alice")
    table.facilitate(c.RemoveParticipant("alice", ban=True))
    assert table.refusal(participant("alice"), c.Join("Alice")) == "banned"


def test_a_removed_voters_votes_stop_counting_this_round():
    table = Table(teams=2)
    table.join("alice", "bob", "carol")
    table.start_round()
    table.advance()
    table.move("bob")
    table.advance()
    table.vote("alice", "t2")
    table.vote("carol", "t2")
    table.facilitate(c.RemoveParticipant("alice"))
    assert list(table.state.current_round.votes) == [("carol", "t2")]


def test_removing_a_voter_mid_vote_tells_everyone_the_new_count():
    table = Table(teams=3)
    table.join("alice", "bob", "carol")
    table.start_round()
    table.advance()
    table.move("bob")
    table.move("carol")
    table.advance()
    table.vote("alice", "t2")
    table.vote("alice", "t3")
    table.vote("carol", "t2")
    (removed,) = table.facilitate(c.RemoveParticipant("alice"))
    assert removed.data == {"participant": "alice", "banned": False, "votes_in": 1}
    (removed,) = table.facilitate(c.RemoveParticipant("bob"))  # no votes: the count stands
    assert removed.data == {"participant": "bob", "banned": False}


def test_removing_a_voter_after_the_round_is_scored_changes_no_count():
    table = Table(teams=2)
    table.join("alice", "bob")
    table.start_round()
    table.advance()
    table.move("bob")
    table.advance()
    table.vote("alice", "t2")
    table.advance()
    (removed,) = table.facilitate(c.RemoveParticipant("alice"))
    assert "votes_in" not in removed.data


def test_the_facilitator_replaces_an_offensive_nickname():
    table = Table(teams=2)
    table.join("alice")
    table.facilitate(c.RenameParticipant("alice", "Kind Koala"))
    assert table.state.people["alice"].nickname == "Kind Koala"


def test_the_facilitator_adds_words_to_the_filter():
    table = Table(teams=2)
    table.facilitate(c.Configure({"blocked_words": "Upsell, churn\nupsell"}))
    assert table.state.settings.blocked_words == "churn, upsell"
    assert table.refusal(participant("dave"), c.Join("Upsell King")) == "blocked_words"


# Look-alikes of "Tok0": a zero-width space, a right-to-left override, Cyrillic o, upper case
# (0 and O), fullwidth letters, a braille blank, capital I for small l further down.
@pytest.mark.parametrize(
    "twin",
    [
        "Tok0\u200b",
        "\u202eTok0",
        "T\u043ek0",
        "TOKO",
        "\uff34\uff4f\uff4b\uff10",
        "Tok0\u2800",
        "To\u00adk0",
    ],
)
def test_it_refuses_a_nickname_that_only_looks_different_from_one_in_use(twin):
    table = Table()
    table.do(participant("alice"), c.Join("Tok0"))
    assert table.refusal(participant("bob"), c.Join(twin)) == "nickname_taken"
    table.join("bob")
    assert table.refusal(participant("bob"), c.Rename(twin)) == "nickname_taken"
    assert table.refusal(FACILITATOR, c.RenameParticipant("bob", twin)) == "nickname_taken"


def test_capital_i_and_small_l_make_the_same_name():
    table = Table()
    table.do(participant("alice"), c.Join("Bill"))
    assert table.refusal(participant("bob"), c.Join("BiII")) == "nickname_taken"
    table.do(participant("bob"), c.Join("Ali"))  # a dotted i is not an l
    assert table.state.people["bob"].nickname == "Ali"


def test_a_nickname_is_stored_without_invisible_characters_and_in_nfkc():
    table = Table()
    table.do(participant("alice"), c.Join("\u202eAl\u200bice\u2066 \uff22."))
    assert table.state.people["alice"].nickname == "Alice B."


def test_a_nickname_of_only_invisible_characters_is_refused():
    table = Table()
    assert table.refusal(participant("alice"), c.Join("\u200b\u200d\u2060")) == "nickname_invalid"


def test_the_owner_of_a_nickname_may_take_a_look_alike_of_it_and_a_rename_frees_it():
    table = Table()
    table.do(participant("alice"), c.Join("Tok0"))
    table.do(participant("alice"), c.Rename("TOKO"))
    assert table.state.people["alice"].nickname == "TOKO"
    table.do(participant("alice"), c.Rename("Alice"))
    table.do(participant("bob"), c.Join("T\u043ek0"))
    assert table.state.people["bob"].nickname == "T\u043ek0"


def test_a_nickname_keeps_its_emoji_whole():
    table = Table()
    table.do(participant("alice"), c.Join("\U0001f469\u200d\U0001f4bb Ann \u2764\ufe0f"))
    assert table.state.people["alice"].nickname == "\U0001f469\u200d\U0001f4bb Ann \u2764\ufe0f"
    assert table.refusal(participant("bob"), c.Join("\U0001f469\U0001f4bb Ann \u2764")) == (
        "nickname_taken"
    )
