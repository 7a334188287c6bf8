"""The numbers of a debrief, read off the folded state: pure, so the page, the print and the
tests all show the same figures.

Per scored round and per move: how the room answered both questions, where the move lands on
the two axes, and how split the room was. Across rounds: the standings after each round and the
team that improved most. Per participant: their team's moves and their own votes.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .model import Answer, Round, State, Vote

ANSWERS = tuple(a.value for a in Answer)
# The two axes use the plain scale (yes 1, not sure ½, no 0), not the workshop's scoring
# weights: weights may change between rounds, and a position should mean the same on every chart.
_PLAIN = {Answer.YES: Fraction(1), Answer.UNSURE: Fraction(1, 2), Answer.NO: Fraction(0)}


def debrief(state: State) -> dict:
    """Everything the facilitator's debrief page shows, but the commitments."""
    rounds = [r for r in state.rounds if r.results is not None]
    return {
        "title": state.title,
        "teams": [{"id": t.id, "name": t.name} for t in state.teams.values()],
        "rounds": [round_debrief(state, r) for r in rounds],
        "standings": standings_by_round(state),
        "most_improved": most_improved(state),
    }


def round_debrief(state: State, current: Round) -> dict:
    moves = []
    for team_id in state.teams:
        move = current.moves.get(team_id)
        if move is None:
            continue
        votes = [v for v in current.votes.values() if v.team_id == team_id]
        result = (current.results or {}).get(team_id, {})
        moves.append(
            {
                "team": team_id,
                "team_name": state.teams[team_id].name,
                "text": move.text,
                "hidden": team_id in current.hidden,
                "votes": len(votes),
                "answers": distribution(votes),
                "position": position(votes),
                "split": split(votes),
                "score": result.get("score", 0),
                "bonus": result.get("bonus", 0),
                "total": result.get("total", 0),
                "upsell": result.get("upsell", False),
                "upserve": result.get("upserve", False),
            }
        )
    return {
        "round": current.number,
        "title": current.scenario.get("title", ""),
        "scenario": current.scenario,
        "prompt": current.scenario.get("debrief", ""),
        "moves": moves,
    }


def distribution(votes: list[Vote]) -> dict[str, dict[str, int]]:
    """How many answered yes, not sure and no, for each question."""
    return {
        "q1": {a: sum(1 for v in votes if v.q1.value == a) for a in ANSWERS},
        "q2": {a: sum(1 for v in votes if v.q2.value == a) for a in ANSWERS},
    }


def position(votes: list[Vote]) -> dict[str, float] | None:
    """Where the move lands: the mean answer to each question as a percentage (None unrated)."""
    if not votes:
        return None
    n = len(votes)
    x = sum((_PLAIN[v.q1] for v in votes), Fraction(0)) / n
    y = sum((_PLAIN[v.q2] for v in votes), Fraction(0)) / n
    return {"x": round(float(100 * x), 1), "y": round(float(100 * y), 1)}


def split(votes: list[Vote]) -> dict[str, float] | None:
    """How split the room was: normalised Shannon entropy of the answers, 0 to 1.

    Entropy rather than the minority's share: with three answers there are two minorities, and
    "4 yes, 3 no, 3 not sure" is more divided than "4 yes, 6 no" though its largest minority is
    smaller. Dividing by log 3 makes 0 a unanimous room and 1 an even three-way split, whatever
    the number of voters. A move's ``room`` is the larger of its two questions: a room united on
    one question but torn on the other was still split about the move.
    """
    if not votes:
        return None
    counts = distribution(votes)
    q1, q2 = _entropy(counts["q1"].values()), _entropy(counts["q2"].values())
    return {"q1": q1, "q2": q2, "room": max(q1, q2)}


def _entropy(counts) -> float:
    counts = [n for n in counts if n]
    total = sum(counts)
    h = -sum(n / total * math.log(n / total) for n in counts)
    return round(h / math.log(len(ANSWERS)), 2) + 0.0  # + 0.0: never -0.0


def standings_by_round(state: State) -> list[dict]:
    """The leaderboard after each scored round: running totals, ranked as the live one is."""
    order = {team_id: i for i, team_id in enumerate(state.teams)}
    totals = dict.fromkeys(state.teams, 0)
    badges = dict.fromkeys(state.teams, 0)
    out = []
    for current in state.rounds:
        if current.results is None:
            continue
        for team_id, result in current.results.items():
            if team_id in totals:
                totals[team_id] += result["total"]
                badges[team_id] += int(result["upserve"])
        ranked = sorted(state.teams, key=lambda t: (-totals[t], -badges[t], order[t]))
        out.append(
            {
                "round": current.number,
                "rows": [
                    {
                        "rank": i + 1,
                        "team": t,
                        "total": totals[t],
                        "round_total": current.results.get(t, {}).get("total", 0),
                    }
                    for i, t in enumerate(ranked)
                ],
            }
        )
    return out


def most_improved(state: State) -> dict | None:
    """The team whose round score grew most from its first scored round to the last.

    Round scores, not ranks: a rank also moves when the other teams slip, while a team's own
    score measures only how well its own moves served. None with fewer than two scored rounds or
    when no team did better at the end than at the start; ties go to the team created first.
    """
    scored = [r for r in state.rounds if r.results is not None]
    if len(scored) < 2:
        return None
    first, last = scored[0].results, scored[-1].results
    best = None
    for team_id, team in state.teams.items():
        if team_id not in first or team_id not in last:
            continue
        gain = last[team_id]["total"] - first[team_id]["total"]
        if gain > 0 and (best is None or gain > best["gain"]):
            best = {
                "team": team_id,
                "team_name": team.name,
                "first": first[team_id]["total"],
                "last": last[team_id]["total"],
                "gain": gain,
            }
    return best


def participant_debrief(state: State, participant_id: str) -> dict | None:
    """One person's debrief: per scored round, their team's move and the votes they cast."""
    person = state.people.get(participant_id)
    if person is None:
        return None
    rounds = []
    for current in state.rounds:
        if current.results is None:
            continue
        team_id = current.lineup.get(participant_id, person.team_id)
        move = current.moves.get(team_id) if team_id else None
        mine = [v for v in current.votes.values() if v.voter_id == participant_id]
        rounds.append(
            {
                "round": current.number,
                "title": current.scenario.get("title", ""),
                "prompt": current.scenario.get("debrief", ""),
                "team": team_id,
                "team_name": state.teams[team_id].name if team_id in state.teams else "",
                "move": move.text if move else None,
                "result": current.results.get(team_id) if team_id else None,
                "votes": [_my_vote(state, current, v) for v in _in_team_order(state, mine)],
            }
        )
    commitment = state.commitments.get(participant_id)
    return {
        "id": person.id,
        "nickname": person.nickname,
        "rounds": rounds,
        "commitment": commitment.text if commitment else None,
    }


def _in_team_order(state: State, votes: list[Vote]) -> list[Vote]:
    order = {team_id: i for i, team_id in enumerate(state.teams)}
    return sorted(votes, key=lambda v: order.get(v.team_id, len(order)))


def _my_vote(state: State, current: Round, vote: Vote) -> dict:
    move = current.moves.get(vote.team_id)
    hidden = vote.team_id in current.hidden
    return {
        "team": vote.team_id,
        "team_name": state.teams[vote.team_id].name if vote.team_id in state.teams else "",
        # A move the facilitator took off the screen stays off this page too.
        "text": None if hidden or move is None else move.text,
        "q1": vote.q1.value,
        "q2": vote.q2.value,
    }


def commitments(state: State) -> list[dict]:
    """Every commitment, in the order people joined, with who wrote it."""
    out = []
    for pid, person in state.people.items():
        if pid in state.commitments:
            out.append(
                {"id": pid, "nickname": person.nickname, "text": state.commitments[pid].text}
            )
    return out
