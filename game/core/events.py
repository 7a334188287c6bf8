"""Facts the game records. ``data`` is JSON-ready so the log stores exactly what the core folds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    type: str
    data: dict


WORKSHOP_CREATED = "workshop_created"
SETTINGS_CHANGED = "settings_changed"
TEAM_ADDED = "team_added"
TEAM_RENAMED = "team_renamed"
PARTICIPANT_JOINED = "participant_joined"
PARTICIPANT_RENAMED = "participant_renamed"
PARTICIPANT_MOVED = "participant_moved"
TEAMS_SHUFFLED = "teams_shuffled"
PARTICIPANT_REMOVED = "participant_removed"
JOINING_LOCKED = "joining_locked"
ROUND_STARTED = "round_started"
PHASE_CHANGED = "phase_changed"
TIMER_PAUSED = "timer_paused"
TIMER_RESUMED = "timer_resumed"
TIMER_CHANGED = "timer_changed"
MOVE_SAVED = "move_saved"
MOVE_HIDDEN = "move_hidden"
VOTE_CAST = "vote_cast"
ROUND_SCORED = "round_scored"
WORKSHOP_ENDED = "workshop_ended"
COMMITMENT_SAVED = "commitment_saved"

ALL_TYPES = frozenset(
    {
        WORKSHOP_CREATED,
        SETTINGS_CHANGED,
        TEAM_ADDED,
        TEAM_RENAMED,
        PARTICIPANT_JOINED,
        PARTICIPANT_RENAMED,
        PARTICIPANT_MOVED,
        TEAMS_SHUFFLED,
        PARTICIPANT_REMOVED,
        JOINING_LOCKED,
        ROUND_STARTED,
        PHASE_CHANGED,
        TIMER_PAUSED,
        TIMER_RESUMED,
        TIMER_CHANGED,
        MOVE_SAVED,
        MOVE_HIDDEN,
        VOTE_CAST,
        ROUND_SCORED,
        WORKSHOP_ENDED,
        COMMITMENT_SAVED,
    }
)
