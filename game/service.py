"""The one write path: lock the workshop row, decide, append, commit, then publish.

Views, consumers and timers all call ``submit`` (or ``asubmit`` from async code). Live state is
kept per process as a fold of the log; before deciding, it is brought up to the log's last seq,
so several server processes sharing one database stay consistent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from game import clock, fanout, rows, store
from game.core.commands import Command
from game.core.decide import decide
from game.core.evolve import evolve
from game.core.model import Actor, Role, State
from game.core.refusals import Refusal
from game.models import Game, Receipt
from game.store import Logged

log = logging.getLogger(__name__)

_states: dict[int, State] = {}
# Views run in request threads and sockets in the database thread: one lock per workshop keeps
# the fold still while a thread catches it up, decides, commits or reads it. A writer takes it
# only once it holds the workshop's row in the database (see ``_submit_all``), and whoever holds
# it never waits for a row lock, so the two kinds of lock cannot deadlock.
_locks: dict[int, threading.RLock] = {}
_locks_guard = threading.Lock()


def _lock(workshop_id: int) -> threading.RLock:
    with _locks_guard:
        return _locks.setdefault(workshop_id, threading.RLock())


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


def _caught_up(workshop_id: int, last_seq: int) -> State:
    """The workshop's state at ``last_seq``, from this process's fold plus the log's tail."""
    state = _states.get(workshop_id)
    if state is None or state.seq > last_seq:
        state = State()
    if state.seq < last_seq:
        for x in store.events_after(workshop_id, state.seq):
            evolve(state, x.event, x.seq)
    _states[workshop_id] = state
    return state


@contextmanager
def reading(workshop_id: int, last_seq: int | None = None) -> Iterator[State]:
    """The current state, held still while the block reads it. Do not mutate it.

    ``last_seq``: the workshop row's, if the caller has just read it (a page view), which saves
    reading it again; the fold is then used if it is at least that far."""
    with _lock(workshop_id):
        state = _states.get(workshop_id)
        if last_seq is not None and state is not None and state.seq >= last_seq:
            yield state
            return
        last_seq = Game.objects.values_list("last_seq", flat=True).get(pk=workshop_id)
        yield _caught_up(workshop_id, last_seq)


def read_state(workshop_id: int) -> State:
    """The current state, for code that runs alone (tests, management commands)."""
    with reading(workshop_id) as state:
        return state


def forget(workshop_id: int | None = None) -> None:
    """Drop the in-process fold (tests, or after a failed transaction)."""
    if workshop_id is None:
        _states.clear()
    else:
        _states.pop(workshop_id, None)


@dataclass(frozen=True)
class Submission:
    """One command waiting to be decided, with whose client id it carries."""

    actor: Actor
    command: Command
    client_id: str | None = None
    sender: str | None = None
    now: float | None = None
    # Runs inside the transaction once the outcome is known (to record a row beside it).
    then: Callable[[Outcome], None] | None = None

    @property
    def receipt_key(self) -> tuple[str, str | None]:
        return (self.sender or actor_key(self.actor), self.client_id)


def submit(
    *,
    workshop_id: int,
    actor: Actor,
    command: Command,
    client_id: str | None = None,
    now: float | None = None,
    sender: str | None = None,
    then: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Decide and record one command. Returns only after the commit (or the refusal).

    ``sender`` names whose client ids these are (default: the actor), so that two facilitators'
    consoles, which share the facilitator role, never answer each other's retries. ``then``
    runs inside the same transaction once the outcome is known (to record a row beside it)."""
    submission = Submission(actor, command, client_id, sender, now, then)
    return submit_batch(workshop_id, [submission])[0]


def submit_batch(workshop_id: int, submissions: list[Submission]) -> list[Outcome]:
    """Decide and record several commands in order, in one transaction (group commit): one
    lock, one fsync and one broadcast for a burst of votes. Each gets its own outcome."""
    return _submit_all({workshop_id: submissions})[workshop_id]


def submit_many(batches: dict[int, list[Submission]]) -> dict[int, list[Outcome] | Exception]:
    """``submit_batch`` for several workshops in one transaction: many small rooms voting at
    once share one commit and a handful of statements. Locks are taken in workshop order, in
    this process and in the database, so two processes doing this cannot deadlock.

    Never raises: a workshop whose commands could not be recorded maps to the exception. One
    room's failure is its own: when the shared transaction fails, each room is tried again in a
    transaction of its own, so the others commit and only the failing room's commands fail.
    (A savepoint per room would cost the shared multi-row inserts that make the commit cheap;
    the retry costs nothing until something fails.)"""
    try:
        return dict(_submit_all(batches))
    except Exception as problem:
        if len(batches) == 1:
            return {workshop_id: problem for workshop_id in batches}
        log.warning("a group commit of %d rooms failed; trying each alone", len(batches))
    results: dict[int, list[Outcome] | Exception] = {}
    for workshop_id, submissions in batches.items():
        try:
            results[workshop_id] = _submit_all({workshop_id: submissions})[workshop_id]
        except Exception as problem:
            results[workshop_id] = problem
    return results


def _submit_all(batches: dict[int, list[Submission]]) -> dict[int, list[Outcome]]:
    ids = sorted(batches)
    # A database that locks rows orders the writers of every process: this process's lock on
    # the fold is taken only once the rows are ours, so that its readers (the pages of a rush
    # of joins) never wait while another process holds them. Without row locks (SQLite) the
    # fold's lock comes first, as the only order there is.
    rows_first = connection.features.has_select_for_update
    with ExitStack() as held:
        if not rows_first:
            _hold(held, ids)
        try:
            return _decide_and_record(batches, ids, held if rows_first else None)
        except Exception:
            # The folds may hold events whose transaction rolled back: rebuild them from the log.
            for workshop_id in ids:
                with _lock(workshop_id):
                    forget(workshop_id)
            raise


def _hold(held: ExitStack, ids: list[int]) -> None:
    for workshop_id in ids:
        held.enter_context(_lock(workshop_id))


def _decide_and_record(
    batches: dict[int, list[Submission]], ids: list[int], hold_into: ExitStack | None
) -> dict[int, list[Outcome]]:
    with transaction.atomic():
        locked = Game.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        last_seqs = dict(locked.values_list("pk", "last_seq"))
        if hold_into is not None:  # released after the commit, with the rows
            _hold(hold_into, ids)
        answered = _receipts(batches)
        at = clock.now()
        results: dict[int, list[Outcome]] = {}
        appended: list[tuple[int, list[Logged]]] = []
        receipts: list[tuple] = []
        moved: list[tuple[int, float | None, int]] = []
        for workshop_id in ids:
            if workshop_id not in last_seqs:
                raise Game.DoesNotExist(f"no workshop {workshop_id}")
            state = _caught_up(workshop_id, last_seqs[workshop_id])
            outcomes, logged = _decide_all(
                workshop_id, state, batches[workshop_id], answered, receipts, at
            )
            results[workshop_id] = outcomes
            if logged:
                appended.append((workshop_id, logged))
                current = state.current_round
                deadline = None if state.ended or current is None else current.deadline
                moved.append((state.seq, deadline, workshop_id))
        store.append_many(appended, at)
        rows.update_many(Game, ("last_seq", "deadline"), moved)
        rows.insert_many(Receipt, ("workshop", "actor", "client_id", "result", "refused"), receipts)
        _prune_refused(receipts)
        for workshop_id in ids:
            for sub, outcome in zip(batches[workshop_id], results[workshop_id], strict=True):
                if sub.then is not None:
                    sub.then(outcome)
    return results


def _decide_all(
    workshop_id: int,
    state: State,
    submissions: list[Submission],
    answered: dict[tuple[int, str, str], dict],
    receipts: list[tuple],
    at: float,
) -> tuple[list[Outcome], list[Logged]]:
    """Decide one workshop's commands in order on its fold; the new events, and the receipts
    to record (added to ``receipts``)."""
    outcomes: list[Outcome] = []
    appended: list[Logged] = []
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
    return outcomes, appended


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


async def asubmit(**kwargs) -> Outcome:
    """``submit`` from async code: queued with the workshop's other commands for a group commit,
    then published. Returns after the commit."""
    from game.writer import writer

    workshop_id = kwargs.pop("workshop_id")
    return await writer().submit(workshop_id, Submission(**kwargs))


def submit_and_publish(**kwargs) -> Outcome:
    """``submit`` from sync code (views, commands), then published. A view serving a request
    under the server hands it to the serving loop's writer instead, so that a rush of joins
    shares transactions with each other and with the votes rather than queueing one by one
    for the workshop's lock."""
    from game.writer import serving_loop, submit_from_thread

    loop = serving_loop()
    if loop is not None:
        workshop_id = kwargs.pop("workshop_id")
        return submit_from_thread(loop, workshop_id, Submission(**kwargs))
    outcome = submit(**kwargs)
    publish_from_sync(kwargs["workshop_id"], outcome)
    return outcome


def publish_from_sync(workshop_id: int, outcome: Outcome) -> None:
    """Publish what ``outcome`` recorded; call only once its transaction has committed."""
    if outcome.logged and not outcome.duplicate:
        try:
            async_to_sync(fanout.publish)(workshop_id, outcome.logged)
        except Exception:
            # Committed all the same: receivers heal the gap from the log.
            log.exception("publishing workshop %s failed", workshop_id)
