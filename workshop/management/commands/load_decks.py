from django.core.management.base import BaseCommand

from workshop.decks import load_builtin_deck
from workshop.models import Deck, Scenario


class Command(BaseCommand):
    help = "Create or refresh the built-in scenario deck."

    def handle(self, *args, **options) -> None:
        count = load_builtin_deck(Deck, Scenario)
        self.stdout.write(f"Built-in deck ready: {count} scenarios.")
