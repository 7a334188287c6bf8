"""The built-in scenario deck, shipped as JSON and loaded into the database."""

from __future__ import annotations

import json
from pathlib import Path

BUILTIN_PATH = Path(__file__).with_name("builtin.json")


def builtin_deck() -> dict:
    return json.loads(BUILTIN_PATH.read_text(encoding="utf-8"))


def load_builtin_deck(deck_model, scenario_model) -> int:
    """Create or refresh the built-in deck; takes model classes so migrations can call it too.
    Returns how many scenarios the deck holds."""
    data = builtin_deck()
    deck, _ = deck_model.objects.update_or_create(
        name=data["name"], builtin=True, defaults={"description": data["description"]}
    )
    for position, card in enumerate(data["scenarios"]):
        scenario_model.objects.update_or_create(
            deck=deck,
            slug=card["slug"],
            defaults={
                "position": position,
                "title": card["title"],
                "customer": card["customer"],
                "situation": card["situation"],
                "ask": card["ask"],
                "debrief": card["debrief"],
            },
        )
    return len(data["scenarios"])
