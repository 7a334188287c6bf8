"""The game's one way in: submit a command, read the state.

Views, consumers, timers and management commands all write through ``submit`` (sync) or
``asubmit`` (async). Both decide and record through the group commit (game/commit.py), answer
only after the commit, then publish the events to every process's room. Reads go through
``reading``, which holds the room's fold still, caught up to the log's end.

The one other way events enter the log is an archive import (workshop/archive.py), which writes
a finished workshop's recorded events in bulk with ``game.store.append`` while its game row
keeps the room empty, then calls ``forget``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from game import writer
from game.commit import Outcome, Submission, actor_key, commit
from game.core.commands import Command
from game.core.model import Actor, State
from game.room import log_end
from game.rooms import rooms

__all__ = ["Outcome", "actor_key", "asubmit", "forget", "read_state", "reading", "submit"]


def submit(
    *,
    workshop_id: int,
    actor: Actor,
    command: Command,
    client_id: str | None = None,
    sender: str | None = None,
    now: float | None = None,
    then: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Decide and record one command from sync code, then publish it. Returns only after the
    commit (or the refusal); raises if it could not be recorded.

    ``sender`` names whose client ids these are (default: the actor). ``then`` runs inside the
    transaction once the outcome is known (to record a row beside it). A page served under the
    server hands the command to the server loop's writer, to share its transactions."""
    submission = Submission(actor, command, client_id, sender, now, then)
    inside = connection.in_atomic_block  # the caller's transaction (say, opening a workshop)
    loop = writer.serving_loop()
    if loop is not None and not inside:
        return writer.submit_from_thread(loop, workshop_id, submission)
    # Here, in this thread: inside the caller's transaction the writer's database thread would
    # wait for the lock this transaction holds (SQLite locks the whole database).
    results = commit({workshop_id: [submission]})[workshop_id]
    if isinstance(results, Exception):
        raise results
    outcome = results[0]
    # Published once the caller commits. Should the caller roll back instead, the fold is ahead
    # of the game row, and the next commit folds the log again (Room.caught_up).
    if outcome.ok and not outcome.duplicate:
        transaction.on_commit(lambda: rooms.publish_from_thread(workshop_id, outcome.logged))
    return outcome


async def asubmit(
    *,
    workshop_id: int,
    actor: Actor,
    command: Command,
    client_id: str | None = None,
    sender: str | None = None,
    now: float | None = None,
) -> Outcome:
    """``submit`` from async code: queued for the next group commit, then published."""
    submission = Submission(actor, command, client_id, sender, now)
    return await writer.writer.submit(workshop_id, submission)


@contextmanager
def reading(workshop_id: int, last_seq: int | None = None) -> Iterator[State]:
    """The current state, held still while the block reads it. Do not mutate it.

    ``last_seq``: the game row's, if the caller has just read it (a page view), which saves
    reading it again; the fold is then used if it is at least that far."""
    with rooms.using(workshop_id) as room, room.lock:
        if last_seq is not None and room.state.seq >= last_seq:
            yield room.state
        else:
            yield room.caught_up(log_end(workshop_id))


def read_state(workshop_id: int) -> State:
    """The current state, for code that runs alone (tests, management commands)."""
    with reading(workshop_id) as state:
        return state


def forget(workshop_id: int | None = None) -> None:
    """The log changed behind the write path (an import): fold it again from the log."""
    for room in [rooms.find(workshop_id)] if workshop_id is not None else list(rooms):
        if room is not None:
            room.forget_fold()
