"""Opening a room and taking a seat in it: the two writes that start from a plain web form."""

from __future__ import annotations

import secrets
from dataclasses import asdict

from django.conf import settings
from django.db import transaction

from game import service
from game.core import events as e
from game.core.commands import CreateWorkshop, Join
from game.core.events import Event
from game.core.evolve import fold
from game.core.model import FACILITATOR, Settings, participant
from game.core.names import generate_nickname, team_names
from game.models import Event as EventRow
from game.service import Outcome
from game.tokens import participant_token
from workshop.models import Deck, Seat, Workshop


class SetUpRefused(ValueError):
    """The rules refused the workshop's opening; ``code`` says which rule, the message why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def workshop_create(
    *,
    owner,
    title: str,
    team_count: int,
    deck: Deck | None,
    settings: dict | None = None,
    plan: list[int] | None = None,
) -> Workshop:
    """Open a room. ``settings`` (those that differ from the defaults) go into the log's first
    event; ``plan`` is the ordered scenario ids the facilitator means to play."""
    with transaction.atomic():
        workshop = Workshop.objects.create(owner=owner, title=title, deck=deck, plan=plan or [])
        outcome = service.submit(
            workshop_id=workshop.pk,
            actor=FACILITATOR,
            command=CreateWorkshop(title, tuple(team_names(team_count)), settings or {}),
        )
        if not outcome.ok:  # e.g. a blocked word in the title: the room is not opened
            raise SetUpRefused(outcome.code, outcome.message)
    return workshop


def workshop_setup(workshop: Workshop) -> dict:
    """What a copy of ``workshop`` starts from: its title, deck, plan, how many teams it was
    created with and its settings now (so changes made while it ran carry over)."""
    # Settings change only through these two events: folding them alone gives today's settings
    # without folding (or caching) a whole long log.
    rows = EventRow.objects.filter(
        workshop=workshop, type__in=[e.WORKSHOP_CREATED, e.SETTINGS_CHANGED]
    ).order_by("seq")
    setup = [Event(type_, data) for type_, data in rows.values_list("type", "data")]
    created = setup[0].data if setup and setup[0].type == e.WORKSHOP_CREATED else None
    return {
        "title": workshop.title,
        "deck": workshop.deck,
        # A stored plan may repeat a card (an old import did): each card once, in one pass.
        "plan": list(dict.fromkeys(workshop.plan)),
        "teams": len(created["teams"]) if created else 0,
        "settings": asdict(fold(setup).settings) if created else asdict(Settings()),
    }


def suggested_nickname(workshop: Workshop) -> str:
    with service.reading(workshop.pk, workshop.game.last_seq) as state:
        return generate_nickname(secrets.randbelow(10**9), state.nicknames)


def participant_join(
    *, workshop: Workshop, nickname: str, device: str = "", address: str | None = None
) -> tuple[Outcome, str | None]:
    """Seat a new participant. Returns the outcome and, when seated, their token."""
    pid = secrets.token_hex(8)

    def take_seat(outcome: Outcome) -> None:
        if outcome.ok:
            Seat.objects.create(
                workshop=workshop, participant_id=pid, device=device, address=address
            )

    outcome = service.submit(
        workshop_id=workshop.pk, actor=participant(pid), command=Join(nickname), then=take_seat
    )
    return outcome, participant_token(workshop.pk, pid) if outcome.ok else None


def newcomer_refusal(workshop: Workshop, devices: list[str]) -> str | None:
    """Why a newcomer on any of ``devices`` may not take a seat now (a refusal code), or None.
    ``devices`` are the ids this browser brought: its cookie's and its storage's (a ban holds
    while either still names a banned seat)."""
    with service.reading(workshop.pk, workshop.game.last_seq) as state:
        if state.ended:
            return "workshop_ended"
        banned = set(state.banned)
        locked = state.joining_locked
    devices = [d for d in devices if d]
    if devices and banned:
        seats = Seat.objects.filter(workshop=workshop, device__in=devices)
        if seats.filter(participant_id__in=banned).exists():
            return "banned"
    return "joining_locked" if locked else None


def join_url(workshop: Workshop) -> str:
    return f"{settings.PUBLIC_URL}/join/{workshop.code}/"
