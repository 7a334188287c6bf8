"""What a facilitator takes away from a workshop: moves, votes and scores as CSV or JSON, and the
archive (the whole event log plus the cards it played) that another server can import.

Everything is read from the event log and its fold, never from the live sockets, so an export
of a finished workshop is the same whenever it is taken.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from django.utils.translation import gettext as _

from game import store
from game.core import events as e
from game.core.debrief import commitments
from game.core.evolve import evolve
from game.core.model import State
from game.core.scoring import standings
from game.models import Event as EventRow
from game.models import Game
from workshop.models import Scenario, Workshop

ARCHIVE_FORMAT = "upserve-archive"
ARCHIVE_VERSION = 1
# Events are fetched and written in batches so a workshop of a few hundred thousand votes
# streams in constant memory.
BATCH = 500


def _log(workshop_id: int, last_seq: int) -> Iterator[tuple[int, str, dict, float]]:
    rows = EventRow.objects.filter(workshop_id=workshop_id, seq__lte=last_seq).order_by("seq")
    yield from rows.values_list("seq", "type", "data", "recorded_at").iterator(chunk_size=BATCH)


def _state_and_seq(workshop: Workshop) -> tuple[State, int]:
    """The log folded here, as far as the game's row says now. An export never takes the
    room's fold, which a writer of every room may be waiting for, and keeps no fold after."""
    last_seq = Game.objects.values_list("last_seq", flat=True).get(pk=workshop.pk)
    return fold_log(workshop.pk, last_seq), last_seq


def fold_log(workshop_id: int, last_seq: int, page: int = 2000) -> State:
    """The stored log up to ``last_seq`` folded a page at a time, apart from the game service."""
    state = State()
    while state.seq < last_seq:
        logged = store.events_after(workshop_id, state.seq, limit=min(page, last_seq - state.seq))
        if not logged:
            break
        for x in logged:
            evolve(state, x.event, x.seq)
    return state


def nicknames(workshop_id: int, last_seq: int) -> dict[str, str]:
    """Every participant's last nickname, including people since removed (the fold forgets
    them, but their moves and votes stay in the record)."""
    names: dict[str, str] = {}
    rows = EventRow.objects.filter(
        workshop_id=workshop_id,
        seq__lte=last_seq,
        type__in=(e.PARTICIPANT_JOINED, e.PARTICIPANT_RENAMED),
    ).order_by("seq")
    for data in rows.values_list("data", flat=True).iterator(chunk_size=BATCH):
        names[data["participant"]] = data["nickname"]
    return names


def results(workshop: Workshop) -> dict:
    """Moves (every saved version), counted votes and round scores, with names resolved."""
    state, last_seq = _state_and_seq(workshop)
    names = nicknames(workshop.pk, last_seq)
    teams = {team_id: team.name for team_id, team in state.teams.items()}
    titles = {r.number: r.scenario.get("title", "") for r in state.rounds}
    final = {(r.number, t): m.version for r in state.rounds for t, m in r.moves.items()}
    moves = []
    saved = EventRow.objects.filter(workshop_id=workshop.pk, seq__lte=last_seq, type=e.MOVE_SAVED)
    for data in saved.order_by("seq").values_list("data", flat=True).iterator(chunk_size=BATCH):
        moves.append(
            {
                "round": data["round"],
                "scenario": titles.get(data["round"], ""),
                "team": teams.get(data["team"], data["team"]),
                "text": data["text"],
                "version": data["version"],
                "author": names.get(data["author"], ""),
                "final": final.get((data["round"], data["team"])) == data["version"],
            }
        )
    votes = [
        {
            "round": r.number,
            "voter": names.get(v.voter_id, ""),
            "team": teams.get(v.team_id, v.team_id),
            "q1": v.q1.value,
            "q2": v.q2.value,
        }
        for r in state.rounds
        for v in r.votes.values()
    ]
    scores = [
        {
            "round": r.number,
            "team": teams.get(team_id, team_id),
            "points": result["score"],
            "badge": result["upserve"],
            "bonus": result["bonus"],
            "upsell": result["upsell"],
            "total": result["total"],
        }
        for r in state.rounds
        if r.results is not None
        for team_id, result in r.results.items()
    ]
    ranking = [{**row, "team": teams.get(row["team"], row["team"])} for row in standings(state)]
    return {
        "workshop": {"title": workshop.title, "code": workshop.code, "seq": last_seq},
        "moves": moves,
        "votes": votes,
        "scores": scores,
        "standings": ranking,
        "commitments": [
            {"participant": c["nickname"], "commitment": c["text"]} for c in commitments(state)
        ],
    }


def csv_columns() -> dict[str, list[tuple[str, str]]]:
    """Each CSV's (key, translated header) pairs, in column order."""
    return {
        "moves": [
            ("round", _("Round")),
            ("scenario", _("Scenario")),
            ("team", _("Team")),
            ("text", _("Move")),
            ("version", _("Version")),
            ("author", _("Author")),
            ("final", _("Final version")),
        ],
        "votes": [
            ("round", _("Round")),
            ("voter", _("Voter")),
            ("team", _("Team voted on")),
            ("q1", _("Their life better?")),
            ("q2", _("The world better?")),
        ],
        "scores": [
            ("round", _("Round")),
            ("team", _("Team")),
            ("points", _("Points")),
            ("badge", _("Upserve badge")),
            ("bonus", _("Bonus")),
            ("upsell", _("Upsell flag")),
            ("total", _("Total")),
        ],
        "commitments": [
            ("participant", _("Participant")),
            ("commitment", _("Commitment")),
        ],
    }


def _cell(value) -> str | int:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A participant's "=HYPERLINK(...)" must stay text when the trainer opens the file.
        return "'" + value
    return value


def csv_lines(kind: str, rows: Iterable[dict]) -> Iterator[str]:
    """The CSV of ``kind`` (moves, votes or scores) line by line, header first."""
    columns = csv_columns()[kind]
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flushed(values: list) -> str:
        writer.writerow(values)
        line = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return line

    yield flushed([header for _key, header in columns])
    for row in rows:
        yield flushed([_cell(row[key]) for key, _header in columns])


def scenarios_used(workshop: Workshop, state: State) -> tuple[list[dict], list[int]]:
    """The cards of the rounds played and of the plan (each once), and the plan as indexes
    into that list: an importing server has none of this server's scenario ids."""
    cards: list[dict] = []
    index: dict[str, int] = {}

    def add(card: dict) -> int:
        key = json.dumps(card, sort_keys=True)
        if key not in index:
            index[key] = len(cards)
            cards.append(card)
        return index[key]

    by_id = Scenario.objects.in_bulk(workshop.plan)
    plan = [add(by_id[pk].as_card()) for pk in workshop.plan if pk in by_id]
    for played in state.rounds:
        add(dict(played.scenario))
    return cards, plan


def archive_lines(workshop: Workshop) -> tuple[int, Iterator[str]]:
    """The archive as JSON text, one event per line so a reader can count its progress.
    Returns the number of events it holds and the lines."""
    state, last_seq = _state_and_seq(workshop)
    cards, plan = scenarios_used(workshop, state)
    header = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "workshop": {
            "title": workshop.title,
            "code": workshop.code,
            "created_at": workshop.created_at.isoformat(),
            "plan": plan,
            "settings": asdict(state.settings),
            "last_seq": last_seq,
        },
        "scenarios": cards,
    }

    def lines() -> Iterator[str]:
        opening = json.dumps(header, ensure_ascii=False)
        yield opening[:-1] + ',\n"events": [\n'
        for i, (seq, type_, data, at) in enumerate(_log(workshop.pk, last_seq)):
            event = {"seq": seq, "type": type_, "data": data, "recorded_at": at}
            yield ("" if i == 0 else ",\n") + json.dumps(event, ensure_ascii=False)
        yield "\n]}\n"

    return last_seq, lines()


def archive_document(workshop: Workshop) -> dict:
    """The archive as one object (for small workshops and tests)."""
    _count, lines = archive_lines(workshop)
    return json.loads("".join(lines))
