"""What a socket is sent when it says hello: the events it missed, or else a snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from game import protocol, store
from game.core.model import Actor, Role, State
from game.core.visibility import Viewer, personal_snapshot, public_snapshot, team_after, viewer_for
from game.room import Room
from game.store import Logged

# A client further behind than this gets a snapshot instead of the events it missed.
CATCH_UP_MAX = 500


@dataclass(frozen=True)
class Welcome:
    viewer: Viewer
    seq: int
    missed: list[Logged]
    snapshot: str | None  # the encoded snapshot frame, when events will not do


def resume(room: Room, actor: Actor, last_seq: int | None) -> Welcome | None:
    """The events after ``last_seq``, or else a snapshot; None if the actor is a participant
    whose seat is gone. Runs in the database thread."""
    with room.lock:
        state = room.current()
        if actor.role is Role.PARTICIPANT and actor.participant_id not in state.people:
            return None
        viewer = viewer_for(state, actor.role, actor.participant_id)
        if last_seq is None or not 0 <= state.seq - last_seq <= CATCH_UP_MAX:
            return Welcome(viewer, state.seq, [], snapshot_frame(room, state, viewer))
        seq = state.seq
    if seq == last_seq:  # up to date, as most phones are after a server restart
        return Welcome(viewer, seq, [], None)
    missed = store.events_after(room.id, last_seq)
    if _moved_meanwhile(missed, actor.participant_id):
        # Each missed event would have to be redacted for the team the phone was in when it
        # happened, which nobody here knows for the events before the move: a snapshot is right.
        with room.lock:
            state = room.current()
            viewer = viewer_for(state, actor.role, actor.participant_id)
            return Welcome(viewer, state.seq, [], snapshot_frame(room, state, viewer))
    return Welcome(viewer, seq, missed, None)


def _moved_meanwhile(missed: list[Logged], participant_id: str | None) -> bool:
    # Given no team before it, an event that puts the participant in one answers that team.
    return participant_id is not None and any(
        team_after(x.event, participant_id, None) is not None for x in missed
    )


def snapshot_frame(room: Room, state: State, viewer: Viewer) -> str:
    """The snapshot frame for ``viewer``. Its shared part is encoded once per seq for the whole
    room: a reconnect storm of thousands of phones would otherwise encode the roster once each."""
    cached = room.public_frame
    if cached is None or cached[0] is not state or cached[1] != state.seq:
        cached = room.public_frame = (state, state.seq, protocol.encode(public_snapshot(state)))
    personal = protocol.encode(personal_snapshot(state, viewer))
    return f'{{"type":"snapshot","seq":{state.seq},"state":{cached[2][:-1]},{personal[1:]}}}'
