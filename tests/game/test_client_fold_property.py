"""docs/protocol.md §8.2's promise: a client that folds the events it receives into its snapshot
holds, after every event, exactly the snapshot the server would send it then. Generated workshops
use every event type; each role's connection (the facilitator's console, the screen, every
phone) starts from its snapshot at some seq, receives the wire frames the server sends it
(redacted for it, vote runs merged, batches as the fan-out cuts them), and client.js's own
Connection folds them in Node. After every frame its state must equal the server's snapshot for
that viewer at that seq."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from game.batch import Batch, frames
from game.core import commands as c
from game.core import events as e
from game.core.decide import decide
from game.core.evolve import evolve
from game.core.model import FACILITATOR, SYSTEM, Answer, Role, State, participant
from game.core.refusals import Refusal
from game.core.visibility import Viewer, concerns, snapshot, team_after, viewer_for
from game.protocol import encode
from game.store import Logged
from tests.core.table import CARD

NODE = shutil.which("node")
CLIENT_JS = Path(django_settings.BASE_DIR) / "static" / "upserve" / "client.js"
DRIVER = Path(__file__).with_name("client_fold.mjs")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

PEOPLE = [f"p{i}" for i in range(6)]
TEAMS = ["t1", "t2", "t3", "t4"]
answers = st.sampled_from(list(Answer))
# Small rooms that still cut ballots into windows (more teams than full_ballot_max_teams), fill
# teams by size, and change what clients only learn from settings.
settings_changes = st.fixed_dictionaries(
    {},
    optional={
        "full_ballot_max_teams": st.integers(0, 3),
        "ballot_size": st.integers(1, 2),
        "team_size": st.integers(0, 2),
        "anonymous_moves": st.booleans(),
        "badge_bonus": st.integers(0, 30),
        "blocked_words": st.sampled_from(["", "churn", "upsell, churn"]),
    },
)
facilitating = st.one_of(
    st.just(c.StartRound(CARD)),
    *[st.just(c.Advance())] * 5,
    st.just(c.Pause()),
    st.just(c.Resume()),
    st.builds(c.AdjustTimer, st.integers(-200, 200)),
    st.builds(c.AddTeam, st.sampled_from(["Owls", "Larks"])),
    st.builds(c.RenameTeam, st.sampled_from(TEAMS), st.sampled_from(["Foxes", "Hares"])),
    st.builds(c.AssignTeam, st.sampled_from(PEOPLE), st.sampled_from(TEAMS)),
    st.builds(c.ShuffleTeams, st.integers(0, 2**53)),
    st.builds(c.LockJoining, st.booleans()),
    *[st.builds(c.RemoveParticipant, st.sampled_from(PEOPLE), st.booleans())] * 2,
    st.builds(c.RenameParticipant, st.sampled_from(PEOPLE), st.sampled_from(["Gus", "ann"])),
    *[st.builds(c.HideMove, st.sampled_from(TEAMS), st.booleans())] * 3,
    st.builds(c.Configure, settings_changes),
    st.just(c.EndWorkshop()),
)
playing = st.one_of(
    st.builds(c.Join, st.sampled_from(["Ann", "Ben", "Cy", "Di", "Ed", "Flo"])),
    st.builds(c.Rename, st.sampled_from(["Eve", "Fay"])),
    *[st.builds(c.SubmitMove, st.sampled_from(["Offer more", "Listen"]), st.integers(0, 2))] * 2,
    *[st.builds(c.CastVote, st.sampled_from(TEAMS), answers, answers)] * 6,
    st.builds(c.Commit, st.sampled_from(["Ask first", "Listen more"])),
)
game_step = st.tuples(
    st.one_of(
        st.tuples(st.just(FACILITATOR), facilitating),
        st.tuples(st.sampled_from(PEOPLE).map(participant), playing),
        st.tuples(st.sampled_from(PEOPLE).map(participant), playing),
        st.just((SYSTEM, c.CloseDuePhase())),
    ),
    st.sampled_from([0, 0, 1, 30, 200]),
).map(lambda x: (*x[0], x[1]))
JOINS = [(participant(p), c.Join(f"N{p}"), 1) for p in PEOPLE]
games = st.lists(game_step, min_size=30, max_size=110).map(lambda rest: JOINS + rest)


def _p(pid: str, command: c.Command) -> tuple:
    return (participant(pid), command, 0)


def _f(command: c.Command) -> tuple:
    return (FACILITATOR, command, 0)


Y, N = Answer.YES, Answer.NO
# Every event type, and the awkward cases: a move hidden during the pitch (left out of the vote's
# opening), hidden and shown again during the vote, a voter removed mid-vote (the count drops),
# windows cut from a ring, people moved after the vote, commitments after the end.
TOUR = [
    *JOINS,
    _f(c.Configure({"full_ballot_max_teams": 2, "ballot_size": 1, "blocked_words": "churn"})),
    _f(c.AddTeam("Owls")),
    _f(c.RenameTeam("t4", "Larks")),
    _f(c.AssignTeam("p5", "t4")),
    _f(c.ShuffleTeams(7)),
    _p("p0", c.Rename("Zed")),
    _f(c.RenameParticipant("p1", "Yan")),
    _f(c.StartRound(CARD)),
    _f(c.Advance()),
    _f(c.Pause()),
    _f(c.AdjustTimer(30)),
    _f(c.Resume()),
    *[_p(p, c.SubmitMove(f"Move of {p}", 0)) for p in PEOPLE],
    _f(c.HideMove("t1")),
    _f(c.HideMove("t2")),
    _f(c.HideMove("t2", hidden=False)),
    _f(c.Advance()),
    *[_p(p, c.CastVote(t, Y, N)) for p in PEOPLE for t in TEAMS],
    _f(c.HideMove("t3")),
    _f(c.RemoveParticipant("p2")),
    _f(c.HideMove("t3", hidden=False)),
    _f(c.HideMove("t1", hidden=False)),
    *[_p(p, c.CastVote(t, Y, Y)) for p in PEOPLE for t in TEAMS],
    _f(c.LockJoining(True)),
    _f(c.LockJoining(False)),
    _p("p2", c.Join("Back")),
    _f(c.Advance()),
    _f(c.HideMove("t4")),
    _f(c.AssignTeam("p0", "t4")),
    _f(c.Advance()),
    _f(c.EndWorkshop()),
    _p("p3", c.Commit("Ask before I offer.")),
]


def play(script: list) -> tuple[list[Logged], dict[tuple, dict[int, dict]]]:
    """The log, and every viewer's snapshot after every seq (a phone's only while seated)."""
    state, log = State(), []
    expected: dict[tuple, dict[int, dict]] = {}
    now = 1000.0
    opening = c.CreateWorkshop("W", ("T1", "T2", "T3"))
    for actor, command, wait in [(FACILITATOR, opening, 0), *script]:
        now += wait
        try:
            events = decide(state, command, actor, now)
        except Refusal:
            continue
        for event in events:
            evolve(state, event)
            log.append(Logged(state.seq, event))
            viewers = [(Role.FACILITATOR, None), (Role.SCREEN, None)]
            viewers += [(Role.PARTICIPANT, pid) for pid in state.people]
            for role, pid in viewers:
                view = snapshot(state, viewer_for(state, role, pid))
                expected.setdefault((role, pid), {})[state.seq] = json.loads(encode(view))
    return log, expected


def wire(log: list[Logged], viewer: Viewer, rng: random.Random) -> list[str]:
    """What the server sends ``viewer`` for ``log``: batches as the fan-out cuts them, shared
    frames when nothing in a batch changes the viewer's team, else one event at a time with the
    viewer following its team (game/consumers.py: send_logged)."""
    out, i = [], 0
    pid = viewer.participant_id
    while i < len(log):
        batch = log[i : i + rng.randint(1, 6)]
        i += len(batch)
        if pid is not None and any(concerns(x.event, pid) for x in batch):
            for x in batch:
                viewer = Viewer(viewer.role, pid, team_after(x.event, pid, viewer.team_id))
                out += frames([x], viewer)
        else:
            out += Batch(batch).frames_for(viewer)
    return out


def connections(log, expected, cut: int, rng: random.Random) -> list[dict]:
    """One connection per role (per stretch of seats for a phone), each from a snapshot."""
    found = []
    last = log[-1].seq
    for role in (Role.FACILITATOR, Role.SCREEN):
        start = max(1, last * cut // 100)
        found.append((role, None, start, last))
    for pid in PEOPLE:
        seated = sorted(expected.get((Role.PARTICIPANT, pid), {}))
        stretches, first = [], None
        for k, seq in enumerate(seated):
            first = seq if first is None else first
            if k + 1 == len(seated) or seated[k + 1] != seq + 1:
                stretches.append((first, seq))
                first = None
        for first, end in stretches:
            start = first + (end - first) * cut // 100
            # A phone receives the event that removes it, then is closed: fold that one too.
            found.append((Role.PARTICIPANT, pid, start, min(end + 1, last)))
    out = []
    for role, pid, start, end in found:
        view = expected[(role, pid)][start]
        state_then = _state_at(log, start)
        viewer = viewer_for(state_then, role, pid)
        sent = wire(log[start:end], viewer, rng)
        out.append(
            {"role": role.value, "me": pid, "start": view, "frames": sent, "key": (role, pid)}
        )
    return out


def _state_at(log: list[Logged], seq: int) -> State:
    state = State()
    for x in log[:seq]:
        evolve(state, x.event, x.seq)
    return state


def fold_in_node(conns: list[dict]) -> list[dict]:
    payload = [{k: v for k, v in conn.items() if k != "key"} for conn in conns]
    done = subprocess.run(
        [NODE, str(DRIVER), CLIENT_JS.as_uri()],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def assert_every_fold_matches(script: list, cut: int, seed: int) -> list[Logged]:
    log, expected = play(script)
    conns = connections(log, expected, cut, random.Random(seed))
    for conn, got in zip(conns, fold_in_node(conns), strict=True):
        role, pid = conn["key"]
        assert "gap" not in got, f"{role.value} {pid} saw a gap at seq {got.get('gap')}"
        seen = expected[(role, pid)]
        for step in got["states"]:
            seq = step["seq"]
            if seq not in seen:  # the phone was just removed: its socket closes here
                continue
            event = log[seq - 1].event
            assert step["state"] == seen[seq], f"{role.value} {pid} after #{seq} {event.type}"
    return log


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=games, cut=st.integers(0, 100), seed=st.integers(0, 2**32))
@example(script=TOUR, cut=0, seed=1)
@example(script=TOUR, cut=55, seed=2)
def test_every_role_s_fold_of_what_it_receives_equals_its_snapshot_after_every_event(
    script, cut, seed
):
    assert_every_fold_matches(script, cut, seed)


def test_the_tour_covers_every_event_type():
    log = assert_every_fold_matches(TOUR, 0, 3)
    assert {x.event.type for x in log} == e.ALL_TYPES
