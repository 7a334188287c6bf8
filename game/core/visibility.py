"""What each role may see: events redacted per viewer, and per-viewer snapshots of the state.

Redacted events keep their seq, so every client's sequence stays gapless (lichess does the same
with version-only placeholders). No one sees another person's ballot; no results before reveal;
no team sees another team's move text before the vote opens; only facilitators see the room's
blocked words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum

from . import events as e
from .ballots import ballot_for, slot_of
from .events import Event, checked
from .model import PHASE_ORDER, Phase, Role, State
from .scoring import standings


@dataclass(frozen=True)
class Viewer:
    role: Role
    participant_id: str | None = None
    team_id: str | None = None


class Audience(StrEnum):
    """The classes of viewers that see the same version of an event (a cache key)."""

    ALL = "all"  # everyone sees it in full
    SELF = "self"  # its author (and for a commitment, the facilitators) see it in full
    TEAM = "team"  # the move's team and the facilitators see it in full
    FACILITATORS = "facilitators"  # the room's word list: theirs alone
    OTHERS = "others"  # everyone else: the redacted version


def audience(event: Event, viewer: Viewer) -> Audience:
    """The class of viewers that see the same version of ``event`` as ``viewer``."""
    match checked(event):
        case e.VoteCast(voter=voter):
            return Audience.SELF if viewer.participant_id == voter else Audience.OTHERS
        case e.MoveSaved(team=team):
            sees = viewer.role is Role.FACILITATOR or viewer.team_id == team
            return Audience.TEAM if sees else Audience.OTHERS
        case e.CommitmentSaved(participant=author):
            sees = viewer.role is Role.FACILITATOR or viewer.participant_id == author
            return Audience.SELF if sees else Audience.OTHERS
        case e.WorkshopCreated(settings=settings) | e.SettingsChanged(settings=settings):
            if PRIVATE_SETTING in settings:
                sees = viewer.role is Role.FACILITATOR
                return Audience.FACILITATORS if sees else Audience.OTHERS
    return Audience.ALL


def private_to(event: Event) -> str | None:
    """The one participant who sees ``event`` differently from the rest of their role."""
    match checked(event):
        case e.VoteCast(voter=voter):
            return voter
        case e.CommitmentSaved(participant=author):
            return author
    return None


def redact(event: Event, viewer: Viewer) -> Event:
    """``event`` as ``viewer`` may see it: the same kind, or its redacted form."""
    event = checked(event)
    if audience(event, viewer) is not Audience.OTHERS:
        return event
    match event:
        case e.VoteCast():
            return e.VoteCastRedacted(event.round, event.votes_in)
        case e.MoveSaved():
            return e.MoveSavedRedacted(event.round, event.team, event.version)
        case e.CommitmentSaved():
            return e.CommitmentSavedRedacted()  # not even whose: only the seq stays
        case e.WorkshopCreated() | e.SettingsChanged():
            return replace(event, settings=settings_for(event.settings))
    return event


# The facilitator's blocked words: a phone that could read them could write around them, and
# the projected screen would show the whole room the words it is meant to keep out.
PRIVATE_SETTING = "blocked_words"


def settings_for(settings: dict, role: Role | None = None) -> dict:
    """``settings`` as ``role`` may see them: everything for facilitators, else no word list."""
    if role is Role.FACILITATOR:
        return settings
    return {key: value for key, value in settings.items() if key != PRIVATE_SETTING}


def regrouped(event: Event) -> list[str]:
    """The participants whose team ``event`` changes (or who leave), and so what they see."""
    match checked(event):
        case e.TeamsShuffled(teams=teams):
            return [pid for members in teams.values() for pid in members]
        case e.ParticipantJoined(participant=pid) | e.ParticipantMoved(participant=pid):
            return [pid]
        case e.ParticipantRemoved(participant=pid):
            return [pid]
    return []


def concerns(event: Event, participant_id: str | None) -> bool:
    """Whether ``event`` changes which team ``participant_id`` is in (or removes them)."""
    return participant_id is not None and participant_id in regrouped(event)


def team_after(event: Event, participant_id: str | None, team_id: str | None) -> str | None:
    """The team ``participant_id`` is in once ``event`` is applied (``team_id`` before it)."""
    event = checked(event)
    if not concerns(event, participant_id):
        return team_id
    match event:
        case e.TeamsShuffled(teams=teams):
            return next(team for team, members in teams.items() if participant_id in members)
        case e.ParticipantJoined(team=team) | e.ParticipantMoved(team=team):
            return team
    return team_id  # removed: the caller drops them


def viewer_for(state: State, role: Role, participant_id: str | None = None) -> Viewer:
    return Viewer(role, participant_id, state.team_of(participant_id) if participant_id else None)


def snapshot(state: State, viewer: Viewer) -> dict:
    """The whole state as ``viewer`` may see it, in the shape clients fold events into."""
    return {**public_snapshot(state), **personal_snapshot(state, viewer)}


def public_snapshot(state: State) -> dict:
    """The part of every snapshot that is the same for everyone (and so can be shared)."""
    return {
        "seq": state.seq,
        "title": state.title,
        "ended": state.ended,
        "joining_locked": state.joining_locked,
        "teams": [
            {
                "id": t.id,
                "name": t.name,
                "members": [
                    {"id": pid, "nickname": state.people[pid].nickname} for pid in t.members
                ],
            }
            for t in state.teams.values()
        ],
        "unassigned": [
            {"id": p.id, "nickname": p.nickname} for p in state.people.values() if not p.team_id
        ],
        "rounds": [
            {"round": r.number, "title": r.scenario.get("title", ""), "results": r.results}
            for r in state.rounds
            if r.results is not None
        ],
        "standings": standings(state),
    }


def personal_snapshot(state: State, viewer: Viewer) -> dict:
    """The part of a snapshot that depends on who is looking: the settings (the word list is
    the facilitators'), the round, and who you are."""
    view = {
        "settings": settings_for(asdict(state.settings), viewer.role),
        "round": _round_view(state, viewer),
        "you": None,
    }
    person = state.people.get(viewer.participant_id or "")
    if viewer.role is Role.PARTICIPANT and person:
        view["you"] = {"id": person.id, "nickname": person.nickname, "team": person.team_id}
        if state.ended:  # the field exists once a commitment can be written
            mine = state.commitments.get(person.id)
            view["you"]["commitment"] = mine.text if mine else None
    if viewer.role is Role.FACILITATOR and state.ended:
        view["commitments"] = {pid: c.text for pid, c in state.commitments.items()}
    return view


def _round_view(state: State, viewer: Viewer) -> dict | None:
    current = state.current_round
    if current is None:
        return None
    opened = PHASE_ORDER.index(current.phase) >= PHASE_ORDER.index(Phase.VOTE)
    # Whose move it is, for a participant: their team as the vote found it (teams change only
    # after the vote, and the events a client folds never hand it a move's hidden text or its
    # author when it moves to another team).
    own_team = viewer.team_id
    if opened and viewer.role is Role.PARTICIPANT:
        own_team = current.lineup.get(viewer.participant_id or "")
    moves = {}
    for team_id, move in current.moves.items():
        insider = viewer.role is Role.FACILITATOR or own_team == team_id
        hidden = team_id in current.hidden
        moves[team_id] = {"version": move.version, **({"hidden": True} if hidden else {})}
        if insider or (opened and not hidden):
            moves[team_id]["text"] = move.text
        if insider:
            moves[team_id]["author"] = move.author_id
    view = {
        "round": current.number,
        "scenario": current.scenario,
        "phase": current.phase.value,
        "deadline": current.deadline,
        "paused_remaining": current.paused_remaining,
        "moves": moves,
        "ballot_rings": current.ballot_rings if opened else {},
        "votes_in": len(current.votes),
        "results": current.results,
        "ballot": [],
        "slot": 0,
        "my_votes": {},
    }
    if viewer.role is Role.PARTICIPANT and viewer.participant_id in state.people:
        pid = viewer.participant_id
        if opened:  # fixed when the vote opened (or when they joined it)
            view["slot"] = current.slots.get(pid, 0)
            view["ballot"] = ballot_for(state, current, pid)
        else:
            view["slot"] = slot_of(state, pid)
        view["my_votes"] = {
            v.team_id: {"q1": v.q1.value, "q2": v.q2.value}
            for v in current.votes.values()
            if v.voter_id == pid
        }
    return view
