from game.core.model import Answer, Settings, Vote
from game.core.scoring import score_move
from tests.core.table import NO, UNSURE, YES, Table

DEFAULT = Settings()


def votes(*pairs: tuple[Answer, Answer]) -> list[Vote]:
    return [Vote(f"v{i}", "t1", q1, q2) for i, (q1, q2) in enumerate(pairs)]


def test_only_a_yes_to_both_questions_is_full_service():
    assert score_move(votes((YES, YES)), DEFAULT)["score"] == 100
    assert score_move(votes((YES, UNSURE)), DEFAULT)["score"] == 50
    assert score_move(votes((UNSURE, UNSURE)), DEFAULT)["score"] == 25
    assert score_move(votes((YES, NO)), DEFAULT)["score"] == 0


def test_the_score_is_the_mean_rounded_half_up():
    # values 1, 0.5, 0.25, 0.25 -> mean 0.5 -> 50; 1, 0.25, 0 -> 41.66 -> 42; 0.25, 0 -> 12.5 -> 13
    assert (
        score_move(votes((YES, YES), (YES, UNSURE), (UNSURE, UNSURE), (UNSURE, UNSURE)), DEFAULT)[
            "score"
        ]
        == 50
    )
    assert score_move(votes((YES, YES), (UNSURE, UNSURE), (YES, NO)), DEFAULT)["score"] == 42
    assert score_move(votes((UNSURE, UNSURE), (YES, NO)), DEFAULT)["score"] == 13


def test_more_than_half_saying_no_to_question_one_flags_an_upsell_worth_nothing():
    result = score_move(votes((NO, YES), (NO, YES), (YES, YES)), DEFAULT)
    assert (result["upsell"], result["score"], result["total"], result["upserve"]) == (
        True,
        0,
        0,
        False,
    )


def test_exactly_half_saying_no_is_not_an_upsell():
    result = score_move(votes((NO, YES), (YES, YES)), DEFAULT)
    assert (result["upsell"], result["score"]) == (False, 50)


def test_two_thirds_yes_to_both_earns_the_upserve_badge_and_its_bonus():
    result = score_move(votes((YES, YES), (YES, YES), (NO, NO)), DEFAULT)
    assert (result["upserve"], result["score"], result["bonus"], result["total"]) == (
        True,
        67,
        20,
        87,
    )


def test_just_under_two_thirds_earns_no_badge():
    result = score_move(
        votes((YES, YES), (YES, YES), (YES, UNSURE), (NO, NO), (UNSURE, YES)), DEFAULT
    )
    assert result["upserve"] is False


def test_a_move_without_votes_scores_zero_with_no_flag_and_no_badge():
    result = score_move([], DEFAULT)
    assert (result["score"], result["upsell"], result["upserve"], result["total"]) == (
        0,
        False,
        False,
        0,
    )


def test_the_weights_are_the_facilitators_to_change():
    generous = Settings(unsure_value="0.75", badge_bonus=50, badge_share="1/2")
    result = score_move(votes((UNSURE, UNSURE), (YES, YES)), generous)
    # (0.5625 + 1) / 2 = 0.78125 -> 78; half said yes to both -> badge
    assert (result["score"], result["upserve"], result["total"]) == (78, True, 128)


def test_the_reveal_scores_every_team_and_a_team_without_a_move_gets_zero():
    table = Table(teams=3)
    table.join("alice", "bob", "carol")
    table.start_round()
    table.advance()
    table.move("alice")
    table.move("bob")
    table.advance()
    table.vote("bob", "t1", YES, YES)
    table.vote("carol", "t1", YES, UNSURE)
    table.vote("alice", "t2", NO, YES)
    table.advance()
    results = table.state.current_round.results
    assert {t: (r["score"], r["bonus"], r["upsell"]) for t, r in results.items()} == {
        "t1": (75, 0, False),  # one of two said yes to both: below two thirds, no badge
        "t2": (0, 0, True),
        "t3": (0, 0, False),
    }
    assert results["t3"]["has_move"] is False


def test_the_leaderboard_sums_rounds_and_breaks_ties_by_badges_then_age():
    from game.core.scoring import standings

    table = Table(teams=3)
    table.state.totals = {"t1": 100, "t2": 120, "t3": 120}
    table.state.badges = {"t1": 3, "t2": 1, "t3": 2}
    assert [row["team"] for row in standings(table.state)] == ["t3", "t2", "t1"]
    table.state.badges = {"t2": 2, "t3": 2}
    assert [row["team"] for row in standings(table.state)] == ["t2", "t3", "t1"]
