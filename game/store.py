"""The only code that reads or writes the event log."""

from __future__ import annotations

from dataclasses import dataclass

from game.core.events import Event, load
from game.models import Event as EventRow
from game.rows import insert_many


@dataclass(frozen=True)
class Logged:
    """An event as recorded: its place in the workshop's log and the event itself."""

    seq: int
    event: Event

    def as_wire(self) -> dict:
        return {"seq": self.seq, "type": self.event.type, "data": self.event.data}

    @classmethod
    def from_wire(cls, message: dict) -> Logged:
        return cls(message["seq"], load(message["type"], message["data"]))


def append(workshop_id: int, logged: list[Logged], at: float) -> None:
    """Record ``logged`` events. Must run inside the workshop's locked transaction; the unique
    (workshop, seq) constraint turns a second writer into an error, not a fork."""
    append_many([(workshop_id, logged)], at)


def append_many(entries: list[tuple[int, list[Logged]]], at: float) -> None:
    """``append`` for several workshops in one statement (a group commit across rooms)."""
    rows = [
        (workshop_id, x.seq, x.event.type, x.event.data, at)
        for workshop_id, logged in entries
        for x in logged
    ]
    insert_many(EventRow, ("workshop", "seq", "type", "data", "recorded_at"), rows)


def events_after(workshop_id: int, seq: int, limit: int | None = None) -> list[Logged]:
    rows = EventRow.objects.filter(workshop_id=workshop_id, seq__gt=seq).order_by("seq")
    if limit is not None:
        rows = rows[:limit]
    return [
        Logged(seq, load(type_, data))
        for seq, type_, data in rows.values_list("seq", "type", "data")
    ]


def events_between(workshop_id: int, first: int, last: int) -> list[Logged]:
    rows = EventRow.objects.filter(workshop_id=workshop_id, seq__gte=first, seq__lte=last).order_by(
        "seq"
    )
    return [
        Logged(seq, load(type_, data))
        for seq, type_, data in rows.values_list("seq", "type", "data")
    ]
