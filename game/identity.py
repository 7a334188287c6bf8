"""Who a socket's hello says it is, as the host confirms: a participant's seat token, a
facilitator's session, the screen's key."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth

from game.core.model import Actor, Role
from game.host import host
from game.tokens import read_participant_token


@dataclass(frozen=True)
class Identity:
    actor: Actor
    sender: str | None = None  # whose client ids these are, when not the actor's
    user_pk: int | None = None  # a facilitator's
    session_key: str | None = None


def facilitator(session_key: str | None, workshop_id: int):
    """The user of ``session_key``, read afresh, if they may run this workshop; else None."""
    if session_key is None:
        return None
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    user = auth.get_user(SimpleNamespace(session=store_class(session_key)))
    return user if host().may_facilitate(workshop_id, user) else None


def identify(workshop_id: int, role: str, token: str, session_key: str | None) -> Identity | None:
    """The identity these credentials open the workshop as, or None. Runs in the database
    thread. Whether a participant's seat still exists is for the catch-up to check."""
    if role == "participant":
        pid = read_participant_token(token, workshop_id)
        return None if pid is None else Identity(Actor(Role.PARTICIPANT, pid))
    if role == "facilitator":
        # Two facilitators' consoles share the role: each answers only its own retries.
        user = facilitator(session_key, workshop_id)
        if user is None:
            return None
        return Identity(Actor(Role.FACILITATOR), f"facilitator:{user.pk}", user.pk, session_key)
    if host().screen_token_ok(workshop_id, token):
        return Identity(Actor(Role.SCREEN))
    return None
