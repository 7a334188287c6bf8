"""Importing a workshop archive: read it, check every part of it, then record it.

Nothing is written until the whole document has been checked: first its size and shape, cheaply,
before anything is folded (``archive_limits``), then its log against the game's rules. The
imported workshop is a new room (new code, new screen key) owned by whoever imports it. Its log
goes in as the rows ``game.store.append`` writes, exactly as recorded, in short transactions so
other rooms keep writing meanwhile; the room stays empty (its game row's ``last_seq`` 0: every
command is refused) until the last event is in and the log folds to the state the checker built.
A failed import deletes what it wrote. Neither fold is kept: a process does not hold a workshop
nobody is playing.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import IO

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from game import service
from game.core.events import ALL_TYPES, Event
from game.core.model import State
from game.models import Event as EventRow
from game.models import Game
from game.rows import insert_many
from workshop import archive_limits
from workshop.archive_check import LogRejected, check_log
from workshop.exports import ARCHIVE_FORMAT, ARCHIVE_VERSION, fold_log
from workshop.models import Deck, Scenario, Workshop

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
CARD_LIMITS = {"title": 120, "customer": 300, "situation": 1000, "ask": 1000, "debrief": 1000}
CARD_REQUIRED = ("title", "customer", "situation", "ask")
EVENT_KEYS = {"seq", "type", "data", "recorded_at"}
DOCUMENT_KEYS = frozenset({"format", "version", "workshop", "scenarios", "events"})
HEADER_KEYS = frozenset({"title", "code", "created_at", "plan", "settings", "last_seq"})
LOG_COLUMNS = ("workshop", "seq", "type", "data", "recorded_at")  # as store.append writes
# Events per transaction: a few milliseconds of SQLite's one write lock at a time.
BATCH = 200
NUMBER_DIGITS = 16  # 2**53 and below: what every JSON reader holds exactly

Progress = Callable[[int, int], None]
# Told the new rows' ids before they are committed, so that whoever runs the import can delete
# them if the import is killed (``discard_unfinished``).
Started = Callable[[int, int | None], None]


class ArchiveError(ValueError):
    """The archive cannot be imported; the message says why, for the person importing it."""


@dataclass
class Archive:
    title: str
    plan: list[int]
    settings: dict
    scenarios: list[dict]
    events: list[tuple[int, Event, float]]  # emptied by ``import_archive`` once written
    state: State  # the log folded by the checker


def max_bytes() -> int:
    return getattr(django_settings, "UPSERVE_ARCHIVE_MAX_BYTES", DEFAULT_MAX_BYTES)


def parse(source: bytes | str | IO[bytes]) -> Archive:
    """Read and check an archive document; raise ``ArchiveError`` naming the first problem.
    Given a file, the raw bytes are let go of once parsed."""
    raw = source.read(max_bytes() + 1) if hasattr(source, "read") else source
    if len(raw) > max_bytes():
        raise ArchiveError(
            f"The file is too big: {len(raw):,} bytes or more, and archives may be at most "
            f"{max_bytes():,} bytes."
        )
    try:
        archive_limits.check_raw(raw)
        doc = _loads(raw)
        del raw
        archive_limits.check_document(doc)
    except archive_limits.TooBig as problem:
        raise ArchiveError(str(problem)) from None
    return validate(doc)


def _loads(raw: bytes | str):
    try:
        return json.loads(raw, parse_constant=_constant, parse_int=_integer, parse_float=_decimal)
    except UnicodeDecodeError:
        raise ArchiveError("The file is not text (an archive is UTF-8 JSON).") from None
    except json.JSONDecodeError as broken:
        raise ArchiveError(
            f"The file is not valid JSON: {broken.msg} at line {broken.lineno}, column {broken.colno}."
        ) from None
    except RecursionError:
        raise ArchiveError("The file is nested too deeply to be an archive.") from None


def _constant(name: str):
    raise ArchiveError(f"The file holds {name}, which is not a number in JSON.")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > NUMBER_DIGITS:
        raise ArchiveError(f"The file holds a number of {len(digits):,} digits; at most 16.")
    return int(digits)


def _decimal(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ArchiveError(f"The file holds a number too big to be a number ({text[:20]}…).")
    return value


def validate(doc) -> Archive:
    if not isinstance(doc, dict) or doc.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError("This is not an Upserve workshop archive (its format is not named).")
    version = doc.get("version")
    if version != ARCHIVE_VERSION:
        raise ArchiveError(
            f"This archive's format version is {version!r}; this server reads version "
            f"{ARCHIVE_VERSION}."
        )
    _known_keys(doc, DOCUMENT_KEYS, "The archive")
    header = _object(doc.get("workshop"), "workshop")
    _known_keys(header, HEADER_KEYS, "workshop")
    title = header.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 120:
        raise ArchiveError("workshop.title must be text of 1 to 120 characters.")
    scenarios = [_card(card, n) for n, card in enumerate(_list(doc.get("scenarios"), "scenarios"))]
    plan = _plan(_list(header.get("plan", []), "workshop.plan"), len(scenarios))
    settings = _object(header.get("settings"), "workshop.settings")
    rows = _list(doc.pop("events", None), "events")
    events = _events(rows)
    rows.clear()  # the rows' own dicts; the events keep their data
    try:
        state = check_log(events)
    except LogRejected as rejected:
        raise ArchiveError(f"The log breaks the game's rules at {rejected}.") from None
    if asdict(state.settings) != settings:
        raise ArchiveError("workshop.settings do not match the settings its log arrives at.")
    last_seq = header.get("last_seq", state.seq)
    if last_seq != state.seq:
        raise ArchiveError(
            f"workshop.last_seq says {last_seq!r} but the log ends at event #{state.seq}."
        )
    return Archive(title.strip(), list(plan), settings, scenarios, events, state)


def _known_keys(value: dict, known: frozenset[str], where: str) -> None:
    # What an export never writes has no reason to be there, and could only make the file
    # (and what reading it costs) bigger.
    unknown = sorted(set(value) - known)
    if unknown:
        names = ", ".join(repr(key) for key in unknown[:5])
        raise ArchiveError(f"{where} holds parts this server does not know: {names}.")


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise ArchiveError(f"{where} is missing or is not an object.")
    return value


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise ArchiveError(f"{where} is missing or is not a list.")
    return value


def _plan(plan: list, cards: int) -> list[int]:
    """Each card at most once: a plan is an order of the deck, and pages read it against it."""
    if len(plan) > cards:
        raise ArchiveError(
            f"workshop.plan has {len(plan):,} entries but the archive has {cards:,} cards."
        )
    seen: set[int] = set()
    for n in plan:
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < cards:
            raise ArchiveError(f"workshop.plan names scenario {n!r}, which the archive lacks.")
        if n in seen:
            raise ArchiveError(f"workshop.plan names scenario {n} twice.")
        seen.add(n)
    return plan


def _card(card, n: int) -> dict:
    card = _object(card, f"scenarios[{n}]")
    out = {}
    for key, limit in (*CARD_LIMITS.items(), ("slug", 80)):
        value = card.get(key, "")
        if not isinstance(value, str) or len(value) > limit:
            raise ArchiveError(f"scenarios[{n}].{key} must be text of at most {limit} characters.")
        if key in CARD_REQUIRED and not value.strip():
            raise ArchiveError(f"scenarios[{n}].{key} is empty.")
        out[key] = value
    return out


def _events(rows: list) -> list[tuple[int, Event, float]]:
    if not rows:
        raise ArchiveError("The archive's log is empty.")
    events = []
    for n, row in enumerate(rows):
        expected = n + 1
        if not isinstance(row, dict) or set(row) != EVENT_KEYS:
            raise ArchiveError(
                f"events[{n}] must be an object with exactly seq, type, data and recorded_at."
            )
        seq = row["seq"]
        if seq != expected or isinstance(seq, bool):
            raise ArchiveError(
                f"The log's seqs must run 1, 2, 3… without gaps: expected #{expected} at "
                f"events[{n}], found {seq!r}."
            )
        if row["type"] not in ALL_TYPES:
            raise ArchiveError(f"event #{seq} has an unknown type {row['type']!r}.")
        if not isinstance(row["data"], dict):
            raise ArchiveError(f"event #{seq}: data must be an object.")
        at = row["recorded_at"]
        if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
            raise ArchiveError(f"event #{seq}: recorded_at must be a time in Unix seconds.")
        events.append((seq, Event(row["type"], row["data"]), float(at)))
    return events


def import_archive(
    archive: Archive,
    owner,
    progress: Progress | None = None,
    started: Started | None = None,
) -> Workshop:
    """Record ``archive`` as a new workshop of ``owner``; on any failure, nothing is left."""
    with transaction.atomic():
        deck, plan = _deck(archive, owner)
        # Its game at last_seq 0: until the end, an empty room that refuses every command.
        workshop = Workshop.objects.create(owner=owner, title=archive.title, deck=deck, plan=plan)
        if started:
            started(workshop.pk, deck.pk if deck else None)
    try:
        _write_log(workshop.pk, archive.events, progress)
        archive.events = []  # in the database now; only the checker's fold is still needed
        if fold_log(workshop.pk, archive.state.seq) != archive.state:
            raise ArchiveError("The imported log does not fold to the archive's state.")
        # An archive is a record: its timers do not run again here, so no deadline.
        Game.objects.filter(pk=workshop.pk).update(last_seq=archive.state.seq)
    except BaseException:
        try:
            _discard(workshop, deck)
        except Exception:  # the import's own failure is the one to report
            log.exception("could not delete the failed import of workshop %s", workshop.pk)
        raise
    finally:
        service.forget(workshop.pk)
    workshop.refresh_from_db()
    return workshop


def _write_log(workshop_id: int, events: list, progress: Progress | None) -> None:
    """The log in short transactions of its own, never on the game's write path. SQLite has one
    write lock for every room, and a writer waiting for it polls it every few milliseconds: after
    each transaction the import pauses as long as it held it, so other rooms' commands get in."""
    total = len(events)
    share = connection.vendor == "sqlite"
    for start in range(0, total, BATCH):
        part = events[start : start + BATCH]
        began = time.monotonic()
        with transaction.atomic():
            # ``store.append`` gives one time to all it records; an archive's events keep each
            # its own, so they go in as rows of the same columns, one statement per batch.
            insert_many(
                EventRow,
                LOG_COLUMNS,
                [(workshop_id, seq, ev.type, ev.data, at) for seq, ev, at in part],
            )
        if share:
            time.sleep(time.monotonic() - began)
        if progress:
            progress(start + len(part), total)


def discard_unfinished(workshop_id: int, deck_id: int | None, owner) -> bool:
    """Delete what a killed import wrote, if it got as far as committing its new room: a room of
    ``owner``'s, on that deck, still empty (last_seq 0, which only an import in progress leaves
    committed). Anything else with those ids is not the import's, and is left alone."""
    workshop = Workshop.objects.filter(
        pk=workshop_id, owner=owner, deck_id=deck_id, game__last_seq=0
    ).first()
    if workshop is None:
        return False
    _discard(workshop, workshop.deck)
    service.forget(workshop_id)
    return True


def discard_abandoned(owner, older_than: float) -> int:
    """Delete ``owner``'s imports that never finished and are older than ``older_than`` seconds:
    what an import leaves when the process that watched it was killed. A room is only ever left
    empty (last_seq 0) by an import in progress, and none runs longer than its time limit."""
    cutoff = timezone.now() - timedelta(seconds=older_than)
    abandoned = Workshop.objects.filter(owner=owner, game__last_seq=0, created_at__lt=cutoff)
    count = 0
    for workshop in abandoned.select_related("deck"):
        _discard(workshop, workshop.deck)
        service.forget(workshop.pk)
        count += 1
    return count


def _discard(workshop: Workshop, deck: Deck | None) -> None:
    """Delete a failed import, its log in short transactions too."""
    written = EventRow.objects.filter(workshop_id=workshop.pk)
    while ids := list(written.values_list("pk", flat=True)[:5000]):
        EventRow.objects.filter(pk__in=ids).delete()
    workshop.delete()
    if deck is not None:
        deck.delete()


def _deck(archive: Archive, owner) -> tuple[Deck | None, list[int]]:
    """The archive's cards as a deck of the importer's, so the workshop can be copied."""
    if not archive.scenarios:
        return None, []
    base = f"{archive.title[:100]} (imported)"
    name, n = base, 1
    while Deck.objects.filter(owner=owner, name=name).exists():
        n += 1
        name = f"{base} {n}"
    deck = Deck.objects.create(name=name, owner=owner)
    rows, slugs = [], set()
    for position, card in enumerate(archive.scenarios):
        slug = (slugify(card["slug"]) or slugify(card["title"]) or "card")[:70]
        while slug in slugs:
            slug = f"{slug[:70]}-{position}"
        slugs.add(slug)
        rows.append(Scenario(deck=deck, position=position, **{**card, "slug": slug}))
    created = Scenario.objects.bulk_create(rows)
    return deck, [created[n].pk for n in archive.plan]
