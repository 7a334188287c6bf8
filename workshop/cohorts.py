"""Cohorts: workshops that played the same set of scenarios, compared scenario by scenario.

A scenario is known by its slug (its title when it has none), so the same card played from two
copies of a deck still lines up. Only revealed rounds count: a round still being voted on has no
results to compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from game.core import events as e
from game.core.model import Answer
from game.models import Event as EventRow
from workshop.models import Workshop

ANSWERS = tuple(a.value for a in Answer)


@dataclass
class Played:
    """One workshop's results on one scenario (summed over its rounds of it)."""

    moves: int = 0
    points: int = 0
    badges: int = 0
    upsells: int = 0
    answers: dict[str, dict[str, int]] = field(
        default_factory=lambda: {q: dict.fromkeys(ANSWERS, 0) for q in ("q1", "q2")}
    )

    @property
    def average(self) -> float | None:
        return round(self.points / self.moves, 1) if self.moves else None

    def rate(self, count: int) -> int | None:
        return _percent(count, self.moves)

    @property
    def badge_rate(self) -> int | None:
        return self.rate(self.badges)

    @property
    def upsell_rate(self) -> int | None:
        return self.rate(self.upsells)

    def shares(self, question: str) -> dict[str, int | None]:
        counts = self.answers[question]
        total = sum(counts.values())
        return {a: _percent(n, total) for a, n in counts.items()}

    @property
    def q1(self) -> dict[str, int | None]:
        return self.shares("q1")

    @property
    def q2(self) -> dict[str, int | None]:
        return self.shares("q2")


def _percent(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return int(Fraction(100 * part, whole) + Fraction(1, 2))


@dataclass
class Cohort:
    titles: dict[str, str]  # scenario key -> title, in the order first played
    workshops: list[Workshop]
    # scenario key -> one Played per workshop, in the order of ``workshops``
    results: dict[str, list[Played]]

    @property
    def rows(self) -> list[tuple[str, list[tuple[Workshop, Played]]]]:
        return [
            (self.titles[key], list(zip(self.workshops, self.results[key], strict=True)))
            for key in self.titles
        ]


def scenario_key(card: dict) -> str:
    return card.get("slug") or card.get("title", "")


def _revealed(workshop: Workshop) -> list[tuple[dict, dict]]:
    """Each revealed round's scenario card and results, in round order. Read from the log's
    round_started and round_scored events alone: the cost grows with rounds, never with the votes
    and joins of a long log (the results are in round_scored, as the fold keeps them)."""
    rows = EventRow.objects.filter(
        workshop=workshop, type__in=[e.ROUND_STARTED, e.ROUND_SCORED]
    ).order_by("seq")
    rounds: list[list] = []  # [card, results or None], as the fold's rounds
    for type_, data in rows.values_list("type", "data"):
        if type_ == e.ROUND_STARTED:
            rounds.append([data["scenario"], None])
        elif rounds:
            rounds[-1][1] = data["results"]  # the fold scores its latest round
    return [(card, results) for card, results in rounds if results is not None]


def played(workshop: Workshop) -> tuple[dict[str, str], dict[str, Played]]:
    """The scenarios ``workshop`` revealed, with their titles and its results on each."""
    titles: dict[str, str] = {}
    by_key: dict[str, Played] = {}
    for scenario, results in _revealed(workshop):
        key = scenario_key(scenario)
        titles.setdefault(key, scenario.get("title", key))
        into = by_key.setdefault(key, Played())
        for result in results.values():
            if not result["has_move"]:
                continue
            into.moves += 1
            into.points += result["total"]
            into.badges += int(result["upserve"])
            into.upsells += int(result["upsell"])
            for question in ("q1", "q2"):
                for answer, n in result["answers"][question].items():
                    into.answers[question][answer] += n
    return titles, by_key


def compare(workshops: Iterable[Workshop]) -> list[Cohort]:
    """The workshops grouped by the set of scenarios they played; biggest groups first."""
    groups: dict[frozenset[str], Cohort] = {}
    for workshop in workshops:
        titles, results = played(workshop)
        if not results:
            continue
        key = frozenset(results)
        cohort = groups.get(key)
        if cohort is None:
            cohort = groups[key] = Cohort(titles, [], {k: [] for k in titles})
        cohort.workshops.append(workshop)
        for scenario, result in results.items():
            cohort.results[scenario].append(result)
    return sorted(groups.values(), key=lambda g: -len(g.workshops))
