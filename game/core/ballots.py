"""Which moves each voter rates.

Up to ``full_ballot_max_teams`` teams everyone rates every other team's move. Beyond that each
voter gets ``ballot_size`` consecutive moves from a ring of the other teams' moves, starting at an
offset set by their place in their team: within a team the windows sweep the ring evenly, and
since every team's ring starts just after itself, all moves collect about the same number of
ratings.
"""

from __future__ import annotations

from .model import Round, Settings, State


def ballot_rings(state: State, moved_team_ids: set[str]) -> dict[str, list[str]]:
    team_ids = list(state.teams)
    rings = {}
    for i, team_id in enumerate(team_ids):
        after = team_ids[i + 1 :] + team_ids[:i]
        rings[team_id] = [t for t in after if t in moved_team_ids]
    return rings


def ballot_for(state: State, current: Round, voter_id: str) -> list[str]:
    person = state.people.get(voter_id)
    if person is None or person.team_id is None:
        return []
    ring = current.ballot_rings.get(person.team_id, [])
    return window(ring, state.settings, len(state.teams), slot_of(state, voter_id))


def slot_of(state: State, voter_id: str) -> int:
    team_id = state.team_of(voter_id)
    return state.teams[team_id].members.index(voter_id) if team_id else 0


def window(ring: list[str], settings: Settings, team_count: int, slot: int) -> list[str]:
    size = settings.ballot_size
    if team_count <= settings.full_ballot_max_teams or len(ring) <= size:
        return list(ring)
    start = (slot * size) % len(ring)
    return [ring[(start + k) % len(ring)] for k in range(size)]
