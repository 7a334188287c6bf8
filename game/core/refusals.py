"""Every reason the game can refuse a command: a stable code and a sentence for people."""

from __future__ import annotations

REFUSALS: dict[str, str] = {
    "forbidden": "Only the facilitator can do that.",
    "participants_only": "Only a participant in the game can do that.",
    "not_joined": "You are not part of this workshop (any more). Join again with the room code.",
    "workshop_not_started": "This workshop has not been set up yet.",
    "workshop_exists": "This workshop has already been set up.",
    "workshop_ended": "This workshop has ended.",
    "joining_locked": "This room is not taking new participants right now.",
    "already_joined": "You have already joined this workshop.",
    "nickname_invalid": "A nickname needs 1 to 24 characters, not only spaces.",
    "nickname_taken": "Someone in this room already uses that nickname. Pick another one.",
    "banned": "You cannot join this workshop.",
    "participant_unknown": "There is no such participant in this workshop.",
    "team_unknown": "There is no such team in this workshop.",
    "team_name_invalid": "A team name needs 1 to 40 characters, not only spaces.",
    "team_name_taken": "Another team already has that name.",
    "too_many_teams": "A workshop can have at most 50 teams.",
    "no_team": "You are not in a team yet. Ask the facilitator to put you in one.",
    "no_teams": "There are no teams to shuffle people into. Add a team first.",
    "teams_locked": "Teams cannot change while moves are being written or voted on.",
    "settings_invalid": "Those settings are not valid.",
    "round_in_progress": "Finish the current round (up to its leaderboard) before starting another.",
    "scenario_invalid": "A round needs a scenario with a title, a customer, a situation and an ask.",
    "no_round": "No round is running.",
    "last_phase": "This round is already at its leaderboard. Start the next round instead.",
    "wrong_phase": "That is not possible in this phase of the round.",
    "no_timer": "This phase has no timer running.",
    "already_paused": "The timer is already paused.",
    "not_paused": "The timer is not paused.",
    "timer_invalid": "A timer change must be a whole number of seconds between -3600 and 3600.",
    "not_due": "This phase's time is not up yet.",
    "blocked_words": "Please keep it friendly: that contains a word this room does not allow.",
    "move_invalid": "A move needs 1 to 600 characters, not only spaces.",
    "stale_move": "A teammate saved a newer version of your move. Look at it and try again.",
    "vote_invalid": "Each answer must be yes, not sure or no.",
    "own_team": "You cannot vote on your own team's move.",
    "no_such_move": "There is no move by that team to vote on.",
    "not_on_ballot": "That move is not on your ballot this round.",
    "workshop_not_ended": "You can write your commitment once the workshop has ended.",
    "commitment_invalid": "A commitment needs 1 to 280 characters, not only spaces.",
    "commitments_closed": "Commitments for this workshop are closed now.",
}


class Refusal(Exception):
    """A command the rules do not allow; carries a stable code and a human sentence."""

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in REFUSALS:
            raise KeyError(f"unknown refusal code {code!r}")
        self.code = code
        self.message = message or REFUSALS[code]
        super().__init__(f"{code}: {self.message}")
