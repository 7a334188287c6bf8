"""The one write path: lock the workshop row, decide, append, commit, then publish.

Views, consumers and timers all call ``submit`` (or ``asubmit`` from async code). Live state is
kept per process as a fold of the log; before deciding, it is brought up to the log's last seq,
so several server processes sharing one database stay consistent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction

from game import broadcast, clock, store
from game.core.commands import Command
from game.core.decide import decide
from game.core.evolve import evolve
from game.core.model import Actor, Role, State
from game.core.refusals import Refusal
from game.models import Receipt
from game.store import Logged
from workshop.models import Workshop

log = logging.getLogger(__name__)

_states: dict[int, State] = {}


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


def read_state(workshop_id: int) -> State:
    """The current state for reading (snapshots, pages). Do not mutate it."""
    last_seq = Workshop.objects.values_list("last_seq", flat=True).get(pk=workshop_id)
    return _caught_up(workshop_id, last_seq)


def forget(workshop_id: int | None = None) -> None:
    """Drop the in-process fold (tests, or after a failed transaction)."""
    if workshop_id is None:
        _states.clear()
    else:
        _states.pop(workshop_id, None)


def submit(
    *,
    workshop_id: int,
    actor: Actor,
    command: Command,
    client_id: str | None = None,
    now: float | None = None,
    sender: str | None = None,
) -> Outcome:
    """Decide and record one command. Returns only after the commit (or the refusal).

    ``sender`` names whose client ids these are (default: the actor), so that two facilitators'
    consoles, which share the facilitator role, never answer each other's retries."""
    try:
        return _submit(workshop_id, actor, command, client_id, now, sender or actor_key(actor))
    except Exception:
        # The fold may hold events whose transaction rolled back: rebuild it from the log.
        forget(workshop_id)
        raise


def _submit(workshop_id, actor, command, client_id, now, sender) -> Outcome:
    with transaction.atomic():
        workshop = Workshop.objects.select_for_update().only("id", "last_seq").get(pk=workshop_id)
        if client_id is not None:
            receipt = Receipt.objects.filter(
                workshop_id=workshop_id, actor=sender, client_id=client_id
            ).first()
            if receipt is not None:
                return _replayed(workshop_id, receipt.result)
        state = _caught_up(workshop_id, workshop.last_seq)
        at = clock.now() if now is None else now
        try:
            events = decide(state, command, actor, at)
        except Refusal as refusal:
            outcome = Outcome(False, code=refusal.code, message=refusal.message)
        else:
            logged = store.append(workshop_id, workshop.last_seq, events, at)
            for x in logged:
                evolve(state, x.event, x.seq)
            current = state.current_round
            deadline = None if state.ended or current is None else current.deadline
            Workshop.objects.filter(pk=workshop_id).update(last_seq=state.seq, deadline=deadline)
            outcome = Outcome(True, logged)
        if client_id is not None and actor.role is not Role.SYSTEM:
            Receipt.objects.create(
                workshop_id=workshop_id,
                actor=sender,
                client_id=client_id,
                result=outcome.as_result(),
            )
    return outcome


def _replayed(workshop_id: int, result: dict) -> Outcome:
    if not result["ok"]:
        return Outcome(False, code=result["code"], message=result["message"], duplicate=True)
    seqs = result["seqs"]
    logged = store.events_between(workshop_id, seqs[0], seqs[-1]) if seqs else []
    return Outcome(True, logged, duplicate=True)


async def asubmit(**kwargs) -> Outcome:
    """``submit`` from async code, then publish what it recorded to the workshop's group."""
    outcome = await database_sync_to_async(submit)(**kwargs)
    if outcome.logged and not outcome.duplicate:
        await broadcast.publish(kwargs["workshop_id"], outcome.logged)
    return outcome


def submit_and_publish(**kwargs) -> Outcome:
    """``submit`` from sync code (views, commands)."""
    outcome = submit(**kwargs)
    publish_from_sync(kwargs["workshop_id"], outcome)
    return outcome


def publish_from_sync(workshop_id: int, outcome: Outcome) -> None:
    """Publish what ``outcome`` recorded; call only once its transaction has committed."""
    if outcome.logged and not outcome.duplicate:
        async_to_sync(broadcast.publish)(workshop_id, outcome.logged)
