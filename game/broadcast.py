"""Publishing recorded events to a workshop's group. A broadcast is a hint, not the truth:
receivers that see a gap fetch the missing events from the log."""

from __future__ import annotations

from channels.layers import get_channel_layer

from game.store import Logged


def group_name(workshop_id: int) -> str:
    return f"workshop.{workshop_id}"


async def publish(workshop_id: int, logged: list[Logged]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(
        group_name(workshop_id),
        {"type": "game.events", "events": [x.as_wire() for x in logged]},
    )
