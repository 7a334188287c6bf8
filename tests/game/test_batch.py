"""A batch: runs of votes in one frame, own events in full, one encoding per audience."""

import json

from hypothesis import given
from hypothesis import strategies as st

from game.batch import Batch, frames
from game.core.events import CommitmentSaved, MoveSaved, PhaseChanged, VoteCast
from game.core.model import Answer, Phase, Role
from game.core.visibility import Viewer
from game.store import Logged

ALICE = Viewer(Role.PARTICIPANT, "alice", "t1")
BOB = Viewer(Role.PARTICIPANT, "bob", "t2")
CAROL = Viewer(Role.PARTICIPANT, "carol", "t2")
SCREEN = Viewer(Role.SCREEN)


def vote(seq: int, voter: str, votes_in: int) -> Logged:
    return Logged(seq, VoteCast(1, voter, "t3", Answer.YES, Answer.NO, votes_in))


def test_a_run_of_other_peoples_votes_travels_as_one_frame_covering_its_seqs():
    sent = [
        json.loads(f)
        for f in frames([vote(5, "dave", 1), vote(6, "erin", 2), vote(7, "fay", 3)], BOB)
    ]
    assert sent == [
        {
            "type": "event",
            "seq": 7,
            "event": "vote_cast",
            "first_seq": 5,
            "data": {"round": 1, "votes_in": 3},
        }
    ]


def test_your_own_vote_breaks_the_run_and_arrives_in_full():
    sent = [
        json.loads(f)
        for f in frames([vote(5, "dave", 1), vote(6, "alice", 2), vote(7, "fay", 3)], ALICE)
    ]
    assert [(m["seq"], m.get("first_seq"), "voter" in m["data"]) for m in sent] == [
        (5, None, False),
        (6, None, True),
        (7, None, False),
    ]


def test_viewers_who_see_the_same_thing_share_one_encoding():
    batch = Batch([vote(5, "alice", 1), vote(6, "dave", 2)])
    assert batch.frames_for(BOB) is batch.frames_for(CAROL)
    assert batch.frames_for(ALICE) is not batch.frames_for(BOB)
    assert batch.frames_for(SCREEN) is not batch.frames_for(BOB)  # another role, encoded apart


PEOPLE = ["alice", "bob", "carol", "dave"]
TEAMS = ["t1", "t2"]


@st.composite
def batches(draw) -> list[Logged]:
    """Runs of votes broken by moves, commitments and phase changes, as a busy room sends."""
    kinds = st.sampled_from(["vote", "vote", "vote", "move", "commitment", "phase"])
    logged = []
    for seq, kind in enumerate(draw(st.lists(kinds, min_size=1, max_size=40)), start=1):
        who, team = draw(st.sampled_from(PEOPLE)), draw(st.sampled_from(TEAMS))
        if kind == "vote":
            logged.append(vote(seq, who, seq))
            continue
        event = {
            "move": MoveSaved(1, team, "Fix it", seq, who),
            "commitment": CommitmentSaved(who, "Call her back", 1),
            "phase": PhaseChanged(1, Phase.REVEAL, None),
        }[kind]
        logged.append(Logged(seq, event))
    return logged


VIEWERS = [
    Viewer(Role.PARTICIPANT, who, team) for who in [*PEOPLE, "erin"] for team in [*TEAMS, None]
] + [Viewer(Role.SCREEN), Viewer(Role.FACILITATOR)]


@given(batches(), st.lists(st.sampled_from(VIEWERS), min_size=1, max_size=8))
def test_every_viewer_gets_from_a_batch_exactly_the_frames_made_for_them_alone(logged, viewers):
    batch = Batch(logged)
    for viewer in viewers:
        assert batch.frames_for(viewer) == frames(logged, viewer)


def test_a_batch_with_a_hole_is_not_shared():
    assert Batch([vote(5, "dave", 1), vote(6, "erin", 2)]).contiguous
    assert not Batch([vote(5, "dave", 1), vote(9, "erin", 2)]).contiguous
