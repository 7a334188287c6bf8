"""The scoring rule of DESIGN.md §2, exact: Fractions throughout, halves rounded up."""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

from .model import Answer, Settings, State, Vote


def answer_value(answer: Answer, settings: Settings) -> Fraction:
    raw = {
        Answer.YES: settings.yes_value,
        Answer.UNSURE: settings.unsure_value,
        Answer.NO: settings.no_value,
    }[answer]
    return Fraction(raw)


def vote_value(vote: Vote, settings: Settings) -> Fraction:
    """Only a yes to both questions is full service: the two answers multiply."""
    return answer_value(vote.q1, settings) * answer_value(vote.q2, settings)


def round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def score_move(votes: Iterable[Vote], settings: Settings, *, has_move: bool = True) -> dict:
    """One move's result: its score, bonus, flag, badge and the answer counts behind them."""
    votes = list(votes)
    counts = {
        "q1": {a.value: sum(1 for v in votes if v.q1 is a) for a in Answer},
        "q2": {a.value: sum(1 for v in votes if v.q2 is a) for a in Answer},
    }
    both_yes = sum(1 for v in votes if v.q1 is Answer.YES and v.q2 is Answer.YES)
    n = len(votes)
    result = {
        "has_move": has_move,
        "votes": n,
        "answers": counts,
        "both_yes": both_yes,
        "upsell": False,
        "upserve": False,
        "score": 0,
        "bonus": 0,
        "total": 0,
    }
    if n == 0:
        return result
    if Fraction(counts["q1"][Answer.NO.value], n) > Fraction(settings.upsell_share):
        result["upsell"] = True
        return result
    mean = sum((vote_value(v, settings) for v in votes), Fraction(0)) / n
    result["score"] = round_half_up(100 * mean)
    if Fraction(both_yes, n) >= Fraction(settings.badge_share):
        result["upserve"] = True
        result["bonus"] = settings.badge_bonus
    result["total"] = result["score"] + result["bonus"]
    return result


def score_round(state: State) -> dict[str, dict]:
    """Every team's result for the current round; a team without a move scores 0."""
    current = state.current_round
    assert current is not None
    results = {}
    for team_id in state.teams:
        votes = [v for v in current.votes.values() if v.team_id == team_id]
        results[team_id] = score_move(votes, state.settings, has_move=team_id in current.moves)
    return results


def standings(state: State) -> list[dict]:
    """Teams by running total, then upserve badges, then the team created first."""
    order = {team_id: i for i, team_id in enumerate(state.teams)}
    last = state.rounds[-1].results if state.rounds and state.rounds[-1].results else {}
    rows = sorted(
        state.teams,
        key=lambda t: (-state.totals.get(t, 0), -state.badges.get(t, 0), order[t]),
    )
    return [
        {
            "rank": i + 1,
            "team": team_id,
            "total": state.totals.get(team_id, 0),
            "badges": state.badges.get(team_id, 0),
            "change": last.get(team_id, {}).get("total", 0),
        }
        for i, team_id in enumerate(rows)
    ]
