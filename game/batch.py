"""A batch of consecutive events, encoded once per audience for every socket that shares it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from game.core import events as e
from game.core.model import Role
from game.core.visibility import Audience, Viewer, audience, private_to, redact, regrouped
from game.protocol import encode
from game.store import Logged


def frames(logged: list[Logged], viewer: Viewer) -> list[str]:
    """The wire frames of ``logged`` for ``viewer``. Runs of vote events this viewer sees only as
    a count become one frame covering the run: ``first_seq``..``seq``."""
    return [piece.text for piece in _pieces(logged, viewer)]


@dataclass(frozen=True)
class _Piece:
    """One frame, and the stretch of the batch it covers (indices, both included)."""

    first: int
    last: int
    text: str


def _pieces(logged: list[Logged], viewer: Viewer) -> list[_Piece]:
    pieces: list[_Piece] = []
    run_from = None
    for i, x in enumerate(logged):
        if isinstance(x.event, e.VoteCast) and audience(x.event, viewer) is Audience.OTHERS:
            run_from = i if run_from is None else run_from
            continue
        if run_from is not None:
            pieces.append(_run(logged, run_from, i - 1, viewer))
            run_from = None
        pieces.append(_Piece(i, i, _one(x, viewer)))
    if run_from is not None:
        pieces.append(_run(logged, run_from, len(logged) - 1, viewer))
    return pieces


def _run(logged: list[Logged], first: int, last: int, viewer: Viewer) -> _Piece:
    message = {"type": "event", "seq": logged[last].seq, "event": e.VoteCast.type}
    if last > first:
        message["first_seq"] = logged[first].seq
    message["data"] = redact(logged[last].event, viewer).data
    return _Piece(first, last, encode(message))


def _one(x: Logged, viewer: Viewer) -> str:
    shown = redact(x.event, viewer)
    return encode({"type": "event", "seq": x.seq, "event": shown.type, "data": shown.data})


class Batch:
    """Consecutive events of one workshop, encoded lazily once per audience."""

    def __init__(self, logged: list[Logged]) -> None:
        self.logged = logged
        self.first_seq = logged[0].seq
        self.last_seq = logged[-1].seq
        # Events from other processes may be missing (a lost broadcast): then sockets fill the
        # holes from the log instead of sharing these frames.
        self.contiguous = self.last_seq - self.first_seq + 1 == len(logged)
        self._pieces: dict[tuple, list[_Piece]] = {}
        self._frames: dict[tuple, list[str]] = {}
        # What makes one viewer's version differ from another's (see visibility.audience):
        # their own votes, and their own team's moves. Everyone else in a role shares frames.
        self._own: dict[str, list[int]] = defaultdict(list)
        for i, x in enumerate(logged):
            if pid := private_to(x.event):
                self._own[pid].append(i)
        self._teams = {x.event.team for x in logged if isinstance(x.event, e.MoveSaved)}
        # Participants whose team (and so whose view) changes within the batch.
        self.regrouped = {pid for x in logged for pid in regrouped(x.event)}

    def frames_for(self, viewer: Viewer) -> list[str]:
        team = viewer.team_id if viewer.team_id in self._teams else None
        own = self._own.get(viewer.participant_id) if viewer.participant_id else None
        key = (viewer.role, team, viewer.participant_id if own else None)
        cached = self._frames.get(key)
        if cached is None:
            shared = self._shared(viewer.role, team)
            pieces = self._personal(shared, own, viewer) if own else shared
            cached = self._frames[key] = [piece.text for piece in pieces]
        return cached

    def _shared(self, role: Role, team: str | None) -> list[_Piece]:
        """The pieces everyone of ``role`` (in ``team``) sees, but for their own events."""
        pieces = self._pieces.get((role, team))
        if pieces is None:
            pieces = self._pieces[(role, team)] = _pieces(self.logged, Viewer(role, None, team))
        return pieces

    def _personal(self, shared: list[_Piece], own: list[int], viewer: Viewer) -> list[_Piece]:
        """``shared`` with this viewer's own events cut out of their runs and shown in full:
        the cost is the viewer's own events, not the batch (a room's every voter gets one)."""
        out: list[_Piece] = []
        mine = iter(own)
        next_own = next(mine, None)
        for piece in shared:
            inside = []
            while next_own is not None and next_own <= piece.last:
                inside.append(next_own)
                next_own = next(mine, None)
            if not inside:
                out.append(piece)
                continue
            first = piece.first
            for i in inside:  # a run is split around each; a single event is shown in full
                if i > first:
                    out.append(_run(self.logged, first, i - 1, viewer))
                out.append(_Piece(i, i, _one(self.logged[i], viewer)))
                first = i + 1
            if first <= piece.last:
                out.append(_run(self.logged, first, piece.last, viewer))
        return out
