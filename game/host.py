"""What the game asks of the application that hosts it, and nothing more.

The game knows workshops only by id. Which room a code opens, who may run it, the screen's key
and the scenario cards a round may be played with belong to the host (here the ``workshop``
app), which ``settings.UPSERVE_HOST`` names: the game never imports it, so the dependency runs
one way only, from the host to the game.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class Host(Protocol):
    def workshop_id_for(self, code: str) -> int | None:
        """The id of the workshop whose room code is ``code``, or None."""
        ...

    def may_facilitate(self, workshop_id: int, user) -> bool:
        """Whether ``user`` (possibly anonymous) may run the workshop now."""
        ...

    def screen_token_ok(self, workshop_id: int, token: str) -> bool:
        """Whether ``token`` is the workshop's screen key (compared in constant time)."""
        ...

    def scenario_card(self, workshop_id: int, scenario_id: int) -> dict | None:
        """The card of scenario ``scenario_id``, if the workshop may play it; else None."""
        ...


@cache
def host() -> Host:
    """The host ``settings.UPSERVE_HOST`` names, made once per process."""
    return import_string(settings.UPSERVE_HOST)()
