from game.core import commands as c
from game.core.model import FACILITATOR, Phase
from tests.core.table import Table


def test_a_round_walks_through_its_five_phases_in_order():
    table = Table()
    table.start_round()
    seen = [table.state.phase]
    for _ in range(4):
        table.advance()
        seen.append(table.state.phase)
    assert seen == [Phase.BRIEF, Phase.PITCH, Phase.VOTE, Phase.REVEAL, Phase.LEADERBOARD]


def test_the_pitch_and_vote_phases_get_server_deadlines_from_the_settings():
    table = Table(settings={"pitch_seconds": 120, "vote_seconds": 60})
    table.start_round()
    assert table.state.current_round.deadline is None
    table.advance()
    assert table.state.current_round.deadline == table.now + 120
    table.advance()
    assert table.state.current_round.deadline == table.now + 60


def test_a_phase_closes_itself_at_its_deadline():
    table = Table(settings={"pitch_seconds": 120})
    table.start_round()
    table.advance()
    table.tick(120)
    assert table.state.phase is Phase.VOTE


def test_the_timer_refuses_to_close_a_phase_early():
    from game.core.model import SYSTEM

    table = Table(settings={"pitch_seconds": 120})
    table.start_round()
    table.advance()
    table.now += 119
    assert table.refusal(SYSTEM, c.CloseDuePhase()) == "not_due"


def test_pausing_freezes_the_time_left_and_resuming_restores_it():
    table = Table(settings={"pitch_seconds": 100})
    table.start_round()
    table.advance()
    table.now += 30
    table.facilitate(c.Pause())
    assert table.state.current_round.paused_remaining == 70
    assert table.state.current_round.deadline is None
    table.now += 500
    table.facilitate(c.Resume())
    assert table.state.current_round.deadline == table.now + 70


def test_the_facilitator_extends_and_shortens_a_running_phase():
    table = Table(settings={"pitch_seconds": 100})
    table.start_round()
    table.advance()
    start = table.now
    table.facilitate(c.AdjustTimer(30))
    assert table.state.current_round.deadline == start + 130
    table.facilitate(c.AdjustTimer(-500))
    assert table.state.current_round.deadline == table.now


def test_extending_a_paused_phase_adds_to_the_time_left():
    table = Table(settings={"pitch_seconds": 100})
    table.start_round()
    table.advance()
    table.facilitate(c.Pause())
    table.facilitate(c.AdjustTimer(20))
    assert table.state.current_round.paused_remaining == 120


def test_extending_a_phase_without_a_timer_gives_it_one():
    table = Table()
    table.start_round()
    table.facilitate(c.AdjustTimer(45))
    assert table.state.current_round.deadline == table.now + 45


def test_a_new_round_starts_after_the_leaderboard_with_the_next_number():
    table = Table()
    table.start_round()
    table.to_phase("leaderboard")
    table.start_round()
    assert table.state.current_round.number == 2
    assert table.state.phase is Phase.BRIEF


def test_the_leaderboard_takes_no_timer_since_nothing_follows_it():
    table = Table()
    table.start_round()
    table.to_phase("leaderboard")
    assert table.refusal(FACILITATOR, c.AdjustTimer(30)) == "last_phase"


def test_the_rules_hold_still_while_people_vote():
    table = Table()
    table.start_round()
    table.to_phase("vote")
    assert table.refusal(FACILITATOR, c.Configure({"ballot_size": 2})) == "wrong_phase"
