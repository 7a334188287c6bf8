"""Length limits shared by the rules and the wire protocol."""

NICKNAME_MAX = 24
TEAM_NAME_MAX = 40
TITLE_MAX = 120
MOVE_MAX = 600
SCENARIO_FIELD_MAX = 1000
MAX_TEAMS = 50
TIMER_ADJUST_MAX = 3600
