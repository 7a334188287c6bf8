"""Importing a workshop archive: read it, check every part of it, then record it in one go.

Nothing is written until the whole document has been checked, and the writing is one
transaction: a bad archive leaves the database as it was, and says what is wrong with it.
The imported workshop is a new room (new code, new screen key) owned by whoever imports it;
its log goes in through ``game.store.append`` exactly as recorded, and the fold the game service
builds from it must equal the one the checker built, or nothing is kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import groupby

from django.conf import settings as django_settings
from django.db import transaction
from django.utils.text import slugify

from game import service, store
from game.core.events import ALL_TYPES, Event
from game.core.model import State
from game.store import Logged
from workshop.archive_check import LogRejected, check_log
from workshop.exports import ARCHIVE_FORMAT, ARCHIVE_VERSION
from workshop.models import Deck, Scenario, Workshop

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
CARD_LIMITS = {"title": 120, "customer": 300, "situation": 1000, "ask": 1000, "debrief": 1000}
CARD_REQUIRED = ("title", "customer", "situation", "ask")
EVENT_KEYS = {"seq", "type", "data", "recorded_at"}
BATCH = 500

Progress = Callable[[int, int], None]


class ArchiveError(ValueError):
    """The archive cannot be imported; the message says why, for the person importing it."""


@dataclass
class Archive:
    title: str
    plan: list[int]
    settings: dict
    scenarios: list[dict]
    events: list[tuple[int, Event, float]]
    state: State  # the log folded by the checker


def max_bytes() -> int:
    return getattr(django_settings, "UPSERVE_ARCHIVE_MAX_BYTES", DEFAULT_MAX_BYTES)


def parse(raw: bytes | str) -> Archive:
    """Read and check an archive document; raise ``ArchiveError`` naming the first problem."""
    if len(raw) > max_bytes():
        raise ArchiveError(
            f"The file is too big: {len(raw):,} bytes, and archives may be at most "
            f"{max_bytes():,} bytes."
        )
    try:
        doc = json.loads(raw)
    except UnicodeDecodeError:
        raise ArchiveError("The file is not text (an archive is UTF-8 JSON).") from None
    except json.JSONDecodeError as broken:
        raise ArchiveError(
            f"The file is not valid JSON: {broken.msg} at line {broken.lineno}, column {broken.colno}."
        ) from None
    return validate(doc)


def validate(doc) -> Archive:
    if not isinstance(doc, dict) or doc.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError("This is not an Upserve workshop archive (its format is not named).")
    version = doc.get("version")
    if version != ARCHIVE_VERSION:
        raise ArchiveError(
            f"This archive's format version is {version!r}; this server reads version "
            f"{ARCHIVE_VERSION}."
        )
    header = _object(doc.get("workshop"), "workshop")
    title = header.get("title")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 120:
        raise ArchiveError("workshop.title must be text of 1 to 120 characters.")
    scenarios = [_card(card, n) for n, card in enumerate(_list(doc.get("scenarios"), "scenarios"))]
    plan = _list(header.get("plan", []), "workshop.plan")
    for n in plan:
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < len(scenarios):
            raise ArchiveError(f"workshop.plan names scenario {n!r}, which the archive lacks.")
    settings = _object(header.get("settings"), "workshop.settings")
    events = _events(_list(doc.get("events"), "events"))
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


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise ArchiveError(f"{where} is missing or is not an object.")
    return value


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise ArchiveError(f"{where} is missing or is not a list.")
    return value


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


def import_archive(archive: Archive, owner, progress: Progress | None = None) -> Workshop:
    """Record ``archive`` as a new workshop of ``owner``, all or nothing."""
    total = len(archive.events)
    workshop_id = None
    try:
        with transaction.atomic():
            deck, plan = _deck(archive, owner)
            workshop = Workshop.objects.create(
                owner=owner, title=archive.title, deck=deck, plan=plan
            )
            workshop_id = workshop.pk
            done = 0
            # One append per recorded instant keeps each event's recorded_at; batches bound
            # the size of each insert.
            for at, group in groupby(archive.events, key=lambda x: x[2]):
                group = list(group)
                for start in range(0, len(group), BATCH):
                    part = group[start : start + BATCH]
                    store.append(workshop_id, [Logged(seq, ev) for seq, ev, _at in part], at)
                    done += len(part)
                    if progress:
                        progress(done, total)
            # An archive is a record: its timers do not run again here, so no deadline.
            Workshop.objects.filter(pk=workshop_id).update(last_seq=archive.state.seq)
            service.forget(workshop_id)
            if service.read_state(workshop_id) != archive.state:
                raise ArchiveError("The imported log does not fold to the archive's state.")
    except Exception:
        if workshop_id is not None:
            service.forget(workshop_id)  # the fold may hold a log that was rolled back
        raise
    workshop.refresh_from_db()
    return workshop


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
