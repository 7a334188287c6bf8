from copy import deepcopy
from dataclasses import asdict

import pytest

from game.core import events as e
from game.core.decide import decide
from game.core.evolve import evolve
from game.core.model import Role, State
from game.core.replay import (
    Cursor,
    Recorded,
    Replay,
    ReplayGap,
    Segment,
    as_seen_by,
    fold_prefix,
    mark_of,
    segments,
)
from game.core.visibility import Viewer
from tests.core.table import NO, YES, Table


class Recording(Table):
    """A table that keeps a copy of its live state after every event it applies."""

    def __init__(self) -> None:
        self.live = [asdict(State())]
        super().__init__()

    def do(self, actor, command):
        events = decide(self.state, command, actor, self.now)
        for event in events:
            evolve(self.state, event)
            self.live.append(deepcopy(asdict(self.state)))
        self.log.extend(events)
        return events


def played() -> tuple[list[Recorded], list[dict]]:
    """Two rounds of a three-team game: the log, and the live state after each seq (index = seq)."""
    table = Recording()
    table.join("ann", "ben", "cy")
    for _ in range(2):
        table.start_round()
        table.advance()
        table.move("ann", "Listen first")
        table.move("ben", "Offer the big one")
        table.advance()
        table.vote("ann", "t2", NO, YES)
        table.vote("cy", "t1")
        table.vote("cy", "t1", YES, NO)
        table.advance()
        table.advance()
    return [Recorded(i + 1, event) for i, event in enumerate(table.log)], table.live


def test_folding_each_prefix_gives_the_live_state_at_that_seq():
    log, live = played()
    for seq in range(len(log) + 1):
        assert asdict(fold_prefix(log, seq)) == live[seq]


def test_the_replay_answers_every_seq_in_any_order_with_the_same_state():
    log, live = played()
    replay = Replay(log, every=4)
    order = [len(log), 0, 7, 3, len(log) - 1, 7, 1, 12, 11]
    assert [asdict(replay.at(seq)) for seq in order] == [live[seq] for seq in order]


def test_stepping_forward_then_back_lands_on_the_same_state():
    log, live = played()
    cursor = Cursor(Replay(log, every=5), seq=6)
    cursor.forward()
    cursor.forward()
    assert asdict(cursor.state) == live[8]
    cursor.back()
    cursor.back()
    assert (cursor.seq, asdict(cursor.state)) == (6, live[6])


def test_walking_the_whole_log_forward_and_back_matches_the_live_states():
    log, live = played()
    cursor = Cursor(Replay(log, every=3))
    forward = [asdict(deepcopy(cursor.state))]
    while cursor.seq < len(log):
        forward.append(deepcopy(asdict(cursor.forward())))
    backward = [deepcopy(asdict(cursor.state))]
    while cursor.seq > 0:
        backward.append(deepcopy(asdict(cursor.back())))
    assert forward == live
    assert backward == live[::-1]


def test_a_state_handed_out_can_be_changed_without_changing_later_answers():
    log, live = played()
    replay = Replay(log, every=2)
    spoiled = replay.at(8)
    spoiled.title = "spoiled"
    spoiled.teams.clear()
    assert asdict(replay.at(8)) == live[8]
    assert asdict(replay.at(9)) == live[9]


def test_a_replay_can_start_from_a_snapshot_before_its_round():
    log, live = played()
    start = fold_prefix(log, 5)
    replay = Replay(log[5:], start=start)
    assert (replay.first, replay.last) == (5, len(log))
    assert asdict(replay.at(0)) == live[5]  # clamped to where the segment starts
    assert asdict(replay.at(11)) == live[11]
    assert asdict(start) == live[5]


def test_it_refuses_to_fold_a_log_with_a_gap():
    log, _ = played()
    with pytest.raises(ReplayGap):
        fold_prefix(log[:3] + log[4:], 10)
    with pytest.raises(ReplayGap):
        Replay(log[:3] + log[4:]).at(10)


def test_the_rounds_split_the_log_after_the_lobby():
    log, _ = played()
    starts = [(x.seq, x.event.data) for x in log if x.event.type == e.ROUND_STARTED]
    found = segments(starts, len(log))
    first, second = starts[0][0], starts[1][0]
    assert found == [
        Segment(0, "", 1, first - 1),
        Segment(1, "The latte and the extra question", first, second - 1),
        Segment(2, "The latte and the extra question", second, len(log)),
    ]


def test_a_log_without_rounds_is_one_lobby_segment_and_an_empty_log_has_none():
    assert segments([], 4) == [Segment(0, "", 1, 4)]
    assert segments([], 0) == []


def test_the_timeline_marks_phases_joins_moves_and_votes_only():
    log, _ = played()
    marks = {x.event.type: mark_of(x.event) for x in log}
    assert marks == {
        e.WORKSHOP_CREATED: None,
        e.PARTICIPANT_JOINED: "join",
        e.ROUND_STARTED: "phase",
        e.PHASE_CHANGED: "phase",
        e.MOVE_SAVED: "move",
        e.VOTE_CAST: "vote",
        e.ROUND_SCORED: "phase",
    }


def test_the_screen_sees_neither_voters_nor_move_texts_but_keeps_every_seq():
    log, _ = played()
    seen = as_seen_by(log, Viewer(Role.SCREEN))
    assert [x.seq for x in seen] == [x.seq for x in log]
    votes = [x.event.data for x in seen if x.event.type == e.VOTE_CAST]
    moves = [x.event.data for x in seen if x.event.type == e.MOVE_SAVED]
    assert votes and all(set(d) == {"round", "votes_in"} for d in votes)
    assert moves and all("text" not in d and "author" not in d for d in moves)
