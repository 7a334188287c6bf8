"""Which moves each voter rates.

Up to ``full_ballot_max_teams`` teams everyone rates every other team's move. Beyond that each
voter gets ``ballot_size`` consecutive moves from a ring of the other teams' moves, starting at an
offset set by their place in their team: within a team the windows sweep the ring evenly, and
since every team's ring starts just after itself, all moves collect about the same number of
ratings.

A ballot is fixed when the vote opens: the rings, each voter's team and place (their slot) and
the window size are recorded in the round then (``evolve``), so removing someone mid-vote, or
changing teams or settings after the vote, never changes anyone's ballot.
"""

from __future__ import annotations

from .model import Round, State


def ballot_rings(state: State, moved_team_ids: set[str]) -> dict[str, list[str]]:
    team_ids = list(state.teams)
    rings = {}
    for i, team_id in enumerate(team_ids):
        after = team_ids[i + 1 :] + team_ids[:i]
        rings[team_id] = [t for t in after if t in moved_team_ids]
    return rings


def ballot_window(state: State) -> int:
    """How many moves a ballot holds with the room as it is now; 0: every other team's move."""
    settings = state.settings
    return 0 if len(state.teams) <= settings.full_ballot_max_teams else settings.ballot_size


def ballot_for(state: State, current: Round, voter_id: str) -> list[str]:
    """The voter's ballot as fixed for this round's vote ([] for anyone not seated in a team
    then, and before the vote opens)."""
    team_id = current.lineup.get(voter_id)
    slot = current.slots.get(voter_id)
    if team_id is None or slot is None or voter_id not in state.people:
        return []
    return window(current.ballot_rings.get(team_id, []), current.window, slot)


def slot_of(state: State, voter_id: str) -> int:
    """The voter's place in their team as it is now (0 in no team)."""
    team_id = state.team_of(voter_id)
    return state.teams[team_id].members.index(voter_id) if team_id else 0


def window(ring: list[str], size: int, slot: int) -> list[str]:
    if not size or len(ring) <= size:
        return list(ring)
    start = (slot * size) % len(ring)
    return [ring[(start + k) % len(ring)] for k in range(size)]
