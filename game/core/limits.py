"""Length limits shared by the rules and the wire protocol."""

NICKNAME_MAX = 24
TEAM_NAME_MAX = 40
TITLE_MAX = 120
MOVE_MAX = 600
SCENARIO_FIELD_MAX = 1000
MAX_TEAMS = 50
TIMER_ADJUST_MAX = 3600
COMMITMENT_MAX = 280
# A commitment stays editable for a week after the end (the evening after, or that Monday
# itself), and only so many times: each save is an event in the log, which must not grow forever.
COMMITMENT_OPEN_SECONDS = 7 * 24 * 3600
COMMITMENT_SAVES_MAX = 20
