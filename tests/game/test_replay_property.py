"""The issue's "Done when": for every prefix of a recorded log, the replayed state equals the state
the live server had at that seq. Real games go through game.service (group commits and all) with
generated commands; purely generated logs go through the core's decide and evolve; and the
replay page's own fold (replay-fold.js, run in Node) gives the screen's view at every seq."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from copy import deepcopy
from dataclasses import asdict
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import commit as commit_module
from game import service, store
from game.commit import Submission, commit
from game.core import commands as c
from game.core.evolve import evolve
from game.core.model import FACILITATOR, SYSTEM, Answer, Role, State, participant
from game.core.replay import Cursor, Replay, as_seen_by, fold_prefix, segments
from game.core.visibility import Viewer, snapshot
from tests.core.table import CARD
from tests.core.test_properties import PEOPLE, TEAMS, actors, commands, play
from workshop.rooms import workshop_create

SCREEN = Viewer(Role.SCREEN)
answers = st.sampled_from(list(Answer))
# Games that get somewhere: everyone joins, then each command comes from the role that may send
# it (refusals still happen: wrong phase, own team, stale versions), with the phases advancing.
facilitating = st.one_of(
    st.just(c.StartRound(CARD)),
    *[st.just(c.Advance())] * 4,
    st.just(c.Pause()),
    st.just(c.Resume()),
    st.builds(c.AdjustTimer, st.integers(-200, 200)),
    st.builds(c.AssignTeam, st.sampled_from(PEOPLE), st.sampled_from(TEAMS)),
    st.builds(c.ShuffleTeams, st.integers(0, 2**53)),
    st.builds(c.LockJoining, st.booleans()),
    st.builds(c.RemoveParticipant, st.sampled_from(PEOPLE), st.booleans()),
    st.builds(c.RenameParticipant, st.sampled_from(PEOPLE), st.sampled_from(["Gus", "ann"])),
    st.builds(c.HideMove, st.sampled_from(TEAMS), st.booleans()),
    st.builds(c.Configure, st.fixed_dictionaries({"anonymous_moves": st.booleans()})),
)
playing = st.one_of(
    st.builds(c.Join, st.sampled_from(["Ann", "Ben", "Cy", "Di"])),
    st.builds(c.SubmitMove, st.sampled_from(["Offer <b>more</b>", "Listen"]), st.integers(0, 2)),
    *[st.builds(c.CastVote, st.sampled_from(TEAMS), answers, answers)] * 4,
)
game_step = st.tuples(
    st.one_of(
        st.tuples(st.just(FACILITATOR), facilitating),
        st.tuples(st.sampled_from(PEOPLE).map(participant), playing),
        st.just((SYSTEM, c.CloseDuePhase())),
    ),
    st.sampled_from([0, 0, 1, 30, 200]),
).map(lambda x: (*x[0], x[1]))
JOINS = [(participant(p), c.Join(f"N{p}"), 1) for p in PEOPLE]
games = st.lists(game_step, min_size=40, max_size=120).map(lambda rest: JOINS + rest)
# A few commands at a time, as the writer groups whatever arrived together into one commit;
# the first batch seats everyone, and a few batches try anything from anyone.
anything = st.tuples(actors, commands, st.sampled_from([0, 1]))
batches = st.lists(
    st.lists(st.one_of(game_step, game_step, game_step, anything), min_size=1, max_size=4),
    min_size=3,
    max_size=25,
).map(lambda rest: [JOINS, *rest])


def assert_every_prefix_replays(log, live: dict[int, dict]) -> None:
    """``live``: seq -> the live state then. Checks plain folds, random access, walks both ways
    and each round replayed from the snapshot before it."""
    last = log[-1].seq if log else 0
    assert sorted(live) == list(range(last + 1))
    for seq in range(last + 1):
        assert asdict(fold_prefix(log, seq)) == live[seq], f"fold up to seq {seq}"
    replay = Replay(log, every=3)
    order = list(range(last + 1))
    random.Random(last).shuffle(order)
    for seq in order:
        assert asdict(replay.at(seq)) == live[seq], f"random access at seq {seq}"
    cursor = Cursor(replay)
    while cursor.seq < last:
        assert asdict(cursor.forward()) == live[cursor.seq]
    while cursor.seq > 0:
        assert asdict(cursor.back()) == live[cursor.seq]
    starts = [(x.seq, x.event.data) for x in log if x.event.type == "round_started"]
    for segment in segments(starts, last):
        start = fold_prefix(log, segment.first - 1)
        part = Replay(log[segment.first - 1 : segment.last], start=start, every=2)
        for seq in range(segment.first - 1, segment.last + 1):
            assert asdict(part.at(seq)) == live[seq], f"round {segment.round} at seq {seq}"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="fiona", password="a long passphrase")


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(script=batches, teams=st.integers(2, 4))
def test_replaying_a_game_played_through_the_service_gives_the_live_state_at_every_seq(
    owner, script, teams
):
    live: dict[int, dict] = {0: asdict(State())}

    def recording(state, event, seq=None):
        # The server's own fold, seen after every event it applies (several per commit).
        evolve(state, event, seq)
        live[state.seq] = deepcopy(asdict(state))
        return state

    now = 1_800_000_000.0
    with mock.patch.object(commit_module, "evolve", recording):
        workshop = workshop_create(owner=owner, title="W", team_count=teams, deck=None)
        for batch in script:
            submissions = []
            for actor, command, wait in batch:
                now += wait
                submissions.append(Submission(actor, command, now=now))
            commit({workshop.pk: submissions})
            with service.reading(workshop.pk) as state:
                assert asdict(state) == live[state.seq]  # what readers were shown then
    service.forget()
    assert_every_prefix_replays(store.events_after(workshop.pk, 0), live)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(games)
def test_replaying_a_generated_log_gives_the_state_the_core_had_at_every_seq(script):
    _, log, _ = play(script)
    live = {0: asdict(service.State())}
    state = service.State()
    recorded = []
    for event in log:
        evolve(state, event)
        live[state.seq] = deepcopy(asdict(state))
        recorded.append(store.Logged(state.seq, event))
    assert_every_prefix_replays(recorded, live)


# -- the page's fold, in Node ----------------------------------------------------------------------

NODE = shutil.which("node")
FOLD_JS = Path(django_settings.BASE_DIR) / "static" / "upserve" / "replay-fold.js"


def folded_in_node(start: dict, events: list[dict], order: list[int]) -> dict:
    script = Path(__file__).with_name("replay_fold.mjs")
    payload = json.dumps({"start": start, "events": events, "every": 3, "order": order})
    done = subprocess.run(
        [NODE, str(script), FOLD_JS.as_uri()],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=games, cut=st.integers(0, 100))
def test_the_replay_page_shows_the_screen_s_view_of_every_seq(script, cut):
    """The page folds the screen's snapshot before a round with the redacted events after it:
    at every seq, forward, back or at random, it holds the server's screen snapshot then."""
    _, events, _ = play(script)
    log = [store.Logged(i + 1, event) for i, event in enumerate(events)]
    first = len(log) * cut // 100  # replay from the state after `first` events
    start = snapshot(fold_prefix(log, first), SCREEN)
    seen = [
        {"seq": x.seq, "type": x.event.type, "data": x.event.data}
        for x in as_seen_by(log[first:], SCREEN)
    ]
    expected = [snapshot(fold_prefix(log, seq), SCREEN) for seq in range(first, len(log) + 1)]
    order = list(range(first, len(log) + 1))
    random.Random(cut).shuffle(order)
    got = folded_in_node(start, seen, order)
    assert got["forward"] == expected
    assert got["back"] == expected[::-1]
    assert got["random"] == [expected[seq - first] for seq in order]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_a_move_hidden_during_the_vote_leaves_the_screens_fold_without_its_text():
    card = {"title": "T", "customer": "C", "situation": "S", "ask": "A"}
    script = [
        *JOINS,
        (FACILITATOR, c.StartRound(card), 0),
        (FACILITATOR, c.Advance(), 0),
        (participant("p0"), c.SubmitMove("Something rude", 0), 0),
        (participant("p1"), c.SubmitMove("A fair offer", 0), 0),
        (FACILITATOR, c.Advance(), 0),
        (FACILITATOR, c.HideMove("t1"), 0),
        (FACILITATOR, c.HideMove("t1", hidden=False), 0),
    ]
    _, events, _ = play(script)
    log = [store.Logged(i + 1, event) for i, event in enumerate(events)]
    seen = [
        {"seq": x.seq, "type": x.event.type, "data": x.event.data} for x in as_seen_by(log, SCREEN)
    ]
    expected = [snapshot(fold_prefix(log, seq), SCREEN) for seq in range(len(log) + 1)]
    got = folded_in_node(snapshot(fold_prefix(log, 0), SCREEN), seen, list(range(len(log) + 1)))
    assert got["forward"] == expected
    assert "text" not in expected[-2]["round"]["moves"]["t1"]  # hidden: off the screen's state
    assert expected[-1]["round"]["moves"]["t1"]["text"] == "Something rude"  # shown again
