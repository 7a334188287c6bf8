"""Opening a room and taking a seat in it: the two writes that start from a plain web form."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction

from game import service
from game.core.commands import CreateWorkshop, Join
from game.core.model import FACILITATOR, participant
from game.core.names import generate_nickname, team_names
from game.service import Outcome
from game.tokens import participant_token
from workshop.models import Deck, Workshop


def workshop_create(*, owner, title: str, team_count: int, deck: Deck | None) -> Workshop:
    with transaction.atomic():
        workshop = Workshop.objects.create(owner=owner, title=title, deck=deck)
        outcome = service.submit(
            workshop_id=workshop.pk,
            actor=FACILITATOR,
            command=CreateWorkshop(title, tuple(team_names(team_count))),
        )
        if not outcome.ok:
            raise ValueError(outcome.message)
    return workshop


def suggested_nickname(workshop: Workshop) -> str:
    state = service.read_state(workshop.pk)
    return generate_nickname(secrets.randbelow(10**9), {p.nickname for p in state.people.values()})


def participant_join(*, workshop: Workshop, nickname: str) -> tuple[Outcome, str | None]:
    """Seat a new participant. Returns the outcome and, when seated, their token."""
    pid = secrets.token_hex(8)
    outcome = service.submit_and_publish(
        workshop_id=workshop.pk, actor=participant(pid), command=Join(nickname)
    )
    return outcome, participant_token(workshop.pk, pid) if outcome.ok else None


def join_url(workshop: Workshop) -> str:
    return f"{settings.PUBLIC_URL}/join/{workshop.code}/"
