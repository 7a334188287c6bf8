"""The group commit: decide commands on their rooms' folds and record them, in one transaction.

Every command of the game comes here (through game.service): lock the rooms' game rows, bring
each fold up to the log's end, decide each command in order, append the events, move the rows
on, record the receipts, commit. Many rooms' commands share one transaction and a handful of
multi-row statements; each room's own work runs inside a savepoint of its own, so a room whose
command fails fails only its own commands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from game import clock, rows, store
from game.core.commands import Command
from game.core.decide import decide
from game.core.evolve import evolve
from game.core.model import Actor, Role, State
from game.core.refusals import Refusal
from game.models import Game, Receipt
from game.room import Room
from game.rooms import rooms
from game.store import Logged

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    ok: bool
    logged: list[Logged] = field(default_factory=list)
    code: str = ""
    message: str = ""
    duplicate: bool = False

    @property
    def seqs(self) -> list[int]:
        return [x.seq for x in self.logged]

    def as_result(self) -> dict:
        if self.ok:
            return {"ok": True, "seqs": self.seqs}
        return {"ok": False, "code": self.code, "message": self.message}


def actor_key(actor: Actor) -> str:
    return f"{actor.role.value}:{actor.participant_id or ''}"


@dataclass(frozen=True)
class Submission:
    """One command waiting to be decided. ``sender`` names whose client ids these are (default:
    the actor), so that two facilitators' consoles, which share the facilitator role, never
    answer each other's retries. ``then`` runs inside the transaction, in the room's savepoint,
    once the outcome is known (to record a row beside it)."""

    actor: Actor
    command: Command
    client_id: str | None = None
    sender: str | None = None
    now: float | None = None
    then: Callable[[Outcome], None] | None = None

    @property
    def receipt_key(self) -> tuple[str, str | None]:
        return (self.sender or actor_key(self.actor), self.client_id)


Results = dict[int, list[Outcome] | Exception]


def commit(batches: dict[int, list[Submission]]) -> Results:
    """Decide and record each room's commands in order, all rooms in one transaction. Returns
    only after the commit. Never raises: a room whose commands could not be recorded maps to
    the exception. A room's own failure (its command or its ``then`` raised) is rolled back to
    its savepoint; if a shared statement fails, each room is tried again on its own."""
    try:
        return _commit(batches)
    except Exception as problem:
        if len(batches) == 1:
            return {workshop_id: problem for workshop_id in batches}
        log.warning("a group commit of %d rooms failed; trying each alone", len(batches))
    results: Results = {}
    for workshop_id, submissions in batches.items():
        try:
            results.update(_commit({workshop_id: submissions}))
        except Exception as problem:
            results[workshop_id] = problem
    return results


def _commit(batches: dict[int, list[Submission]]) -> Results:
    ids = sorted(batches)
    # A database that locks rows orders the writers of every process: this process's lock on a
    # fold is taken only once the rows are ours, so that its readers (the pages of a rush of
    # joins) never wait while another process holds them. Without row locks (SQLite) the folds'
    # locks come first, as the only order there is.
    rows_first = connection.features.has_select_for_update
    with ExitStack() as held:
        used = [held.enter_context(rooms.using(workshop_id)) for workshop_id in ids]
        if not rows_first:
            _hold(held, used)
        try:
            return _decide_and_record(batches, used, held if rows_first else None)
        except Exception:
            for room in used:  # they may hold events whose transaction rolled back
                room.forget_fold()
            raise


def _hold(held: ExitStack, used: list[Room]) -> None:
    for room in used:
        held.enter_context(room.lock)


def _decide_and_record(
    batches: dict[int, list[Submission]], used: list[Room], hold_into: ExitStack | None
) -> Results:
    with transaction.atomic():
        locked = Game.objects.select_for_update().filter(pk__in=[r.id for r in used])
        last_seqs = dict(locked.order_by("pk").values_list("pk", "last_seq"))
        if hold_into is not None:  # released after the commit, with the rows
            _hold(hold_into, used)
        answered = _receipts(batches)
        at = clock.now()
        results: Results = {}
        appended: list[tuple[int, list[Logged]]] = []
        receipts: list[tuple] = []
        moved: list[tuple[int, float | None, int]] = []
        for room in used:
            submissions = batches[room.id]
            try:
                if room.id not in last_seqs:
                    raise Game.DoesNotExist(f"no game {room.id}")
                state = room.caught_up(last_seqs[room.id])
                own = transaction.atomic() if any(s.then for s in submissions) else nullcontext()
                with own:  # a savepoint, only for a room whose commands write rows of their own
                    outcomes, logged, answers = _decide_all(
                        room.id, state, submissions, answered, at
                    )
                    for sub, outcome in zip(submissions, outcomes, strict=True):
                        if sub.then is not None:
                            sub.then(outcome)
            except Exception as problem:
                log.exception("the commands for workshop id %s failed", room.id)
                room.forget_fold()
                results[room.id] = problem
                continue
            results[room.id] = outcomes
            receipts.extend(answers)
            if logged:
                appended.append((room.id, logged))
                current = state.current_round
                deadline = None if state.ended or current is None else current.deadline
                moved.append((state.seq, deadline, room.id))
        store.append_many(appended, at)
        rows.update_many(Game, ("last_seq", "deadline"), moved)
        rows.insert_many(Receipt, ("workshop", "actor", "client_id", "result", "refused"), receipts)
        _prune_refused(receipts)
    return results


def _decide_all(
    workshop_id: int,
    state: State,
    submissions: list[Submission],
    answered: dict[tuple[int, str, str], dict],
    at: float,
) -> tuple[list[Outcome], list[Logged], list[tuple]]:
    """Decide one room's commands in order on its fold: their outcomes, the new events, and the
    receipts to record."""
    outcomes: list[Outcome] = []
    appended: list[Logged] = []
    receipts: list[tuple] = []
    for sub in submissions:
        key = (workshop_id, *sub.receipt_key)
        if sub.client_id is not None and key in answered:
            outcomes.append(_replayed(workshop_id, answered[key], appended))
            continue
        try:
            events = decide(state, sub.command, sub.actor, at if sub.now is None else sub.now)
        except Refusal as refusal:
            outcome = Outcome(False, code=refusal.code, message=refusal.message)
        else:
            logged = [Logged(state.seq + i + 1, event) for i, event in enumerate(events)]
            for x in logged:
                evolve(state, x.event, x.seq)
            appended.extend(logged)
            outcome = Outcome(True, logged)
        if sub.client_id is not None and sub.actor.role is not Role.SYSTEM:
            answered[key] = outcome.as_result()
            receipts.append((workshop_id, key[1], sub.client_id, answered[key], not outcome.ok))
        outcomes.append(outcome)
    return outcomes, appended, receipts


def _prune_refused(receipts: list[tuple]) -> None:
    """Keep only the newest ``UPSERVE_REFUSED_RECEIPTS_PER_SENDER`` refused receipts of each
    sender who was just refused: one flooding seat cannot grow the table, whatever it sends.
    Two statements per commit that refused anything, bounded by the senders it refused."""
    senders = {(w, actor) for w, actor, _, _, refused in receipts if refused}
    if not senders:
        return
    keep = settings.UPSERVE_REFUSED_RECEIPTS_PER_SENDER
    newest_first = Window(
        RowNumber(), partition_by=[F("workshop"), F("actor")], order_by=F("pk").desc()
    )
    by_workshop: dict[int, list[str]] = {}
    for workshop_id, actor in senders:
        by_workshop.setdefault(workshop_id, []).append(actor)
    which = Q()
    for workshop_id, actors in by_workshop.items():
        which |= Q(workshop_id=workshop_id, actor__in=actors)
    ranked = Receipt.objects.filter(which, refused=True).annotate(rank=newest_first)
    stale = list(ranked.filter(rank__gt=keep).values_list("pk", flat=True))
    if stale:
        Receipt.objects.filter(pk__in=stale).delete()


def _receipts(batches: dict[int, list[Submission]]) -> dict[tuple[int, str, str], dict]:
    """The answers already given to any of these client ids, by (workshop, sender, id)."""
    ids = {sub.client_id for subs in batches.values() for sub in subs if sub.client_id is not None}
    if not ids:
        return {}
    found = Receipt.objects.filter(workshop_id__in=list(batches), client_id__in=ids)
    return {
        (workshop_id, actor, cid): result
        for workshop_id, actor, cid, result in found.values_list(
            "workshop_id", "actor", "client_id", "result"
        )
    }


def _replayed(workshop_id: int, result: dict, appended: list[Logged]) -> Outcome:
    if not result["ok"]:
        return Outcome(False, code=result["code"], message=result["message"], duplicate=True)
    seqs = set(result["seqs"])
    # The original may be in this very batch, not yet in the database.
    logged = [x for x in appended if x.seq in seqs]
    if len(logged) < len(seqs):
        logged = store.events_between(workshop_id, min(seqs), max(seqs))
    return Outcome(True, logged, duplicate=True)
