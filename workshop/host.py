"""The workshop as the game's host (``game.host.Host``): what a room code opens, who may run a
room, the screen's key and the cards a round may be played with. The game asks through
``game.host.host()`` and never imports this app."""

from __future__ import annotations

import secrets
from functools import lru_cache

from workshop.models import Deck, Scenario, Workshop

# Room codes never change hands, so a process remembers the ones it has seen lately: a
# reconnect storm then opens sockets without a database read each. The newest this many only,
# so a server running for months does not keep every room it ever served.
CODES_KEPT = 4096


class UnknownCode(LookupError):
    """No workshop has this code (raised, not returned, so that a miss is never remembered: the
    code may be given to a new room later)."""


class WorkshopHost:
    def __init__(self) -> None:
        self._known = lru_cache(maxsize=CODES_KEPT)(self._read_workshop_id)

    def workshop_id_for(self, code: str) -> int | None:
        try:
            return self._known(code)
        except UnknownCode:
            return None

    @staticmethod
    def _read_workshop_id(code: str) -> int:
        workshop_id = Workshop.objects.filter(code=code).values_list("id", flat=True).first()
        if workshop_id is None:
            raise UnknownCode(code)
        return workshop_id

    def may_facilitate(self, workshop_id: int, user) -> bool:
        workshop = Workshop.objects.filter(pk=workshop_id).first()
        return workshop is not None and workshop.can_facilitate(user)

    def screen_token_ok(self, workshop_id: int, token: str) -> bool:
        expected = Workshop.objects.filter(pk=workshop_id).values_list("screen_token", flat=True)
        key = expected.first()
        return key is not None and secrets.compare_digest(token.encode(), key.encode())

    def scenario_card(self, workshop_id: int, scenario_id: int) -> dict | None:
        """Only a card its owner may play: another facilitator's private deck stays private even
        to someone who guesses its ids."""
        workshop = Workshop.objects.select_related("owner").filter(pk=workshop_id).first()
        if workshop is None:
            return None
        decks = Deck.objects.visible_to(workshop.owner)
        scenario = Scenario.objects.filter(pk=scenario_id, deck__in=decks).first()
        return scenario.as_card() if scenario else None
