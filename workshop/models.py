"""Rooms people join, who runs them, and the scenario decks rounds are drawn from."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models, transaction

from game.models import Game

# No 0/O, 1/I/L: codes are read off a projector and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_room_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_screen_token() -> str:
    return secrets.token_urlsafe(18)


class DeckQuerySet(models.QuerySet):
    def visible_to(self, user) -> DeckQuerySet:
        """The decks ``user`` may read and play: the built-ins and their own (a superuser: all)."""
        if user.is_superuser:
            return self
        return self.filter(models.Q(builtin=True) | models.Q(owner=user))

    def editable_by(self, user) -> DeckQuerySet:
        """The decks ``user`` may change. Built-ins change only through their JSON file."""
        decks = self.filter(builtin=False)
        return decks if user.is_superuser else decks.filter(owner=user)


class Deck(models.Model):
    name = models.CharField(max_length=120)
    description = models.TextField(max_length=1000, blank=True)
    builtin = models.BooleanField(default=False)
    # Built-in decks belong to nobody.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decks",
    )

    objects = DeckQuerySet.as_manager()

    class Meta:
        ordering = ["-builtin", "name", "id"]
        constraints = [
            # Two facilitators may each have a "Team offsite" deck, but not one of them twice.
            models.UniqueConstraint(fields=["owner", "name"], name="deck_name_unique_per_owner"),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(owner__isnull=True),
                name="deck_name_unique_without_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Scenario(models.Model):
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="scenarios")
    position = models.PositiveIntegerField(default=0)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=120)
    customer = models.CharField(max_length=300)
    situation = models.TextField(max_length=1000)
    ask = models.TextField(max_length=1000)
    debrief = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["deck", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "slug"], name="scenario_slug_unique_in_deck")
        ]

    def __str__(self) -> str:
        return self.title

    def as_card(self) -> dict:
        """The scenario as the game core takes it for a round."""
        return {
            "slug": self.slug,
            "title": self.title,
            "customer": self.customer,
            "situation": self.situation,
            "ask": self.ask,
            "debrief": self.debrief,
        }


class Workshop(models.Model):
    """A room people join. Its game (the lock of one writer, the log's end, the next deadline)
    is the ``game`` row, created with it."""

    code = models.CharField(max_length=12, unique=True, default=new_room_code)
    title = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshops"
    )
    cofacilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cofacilitated_workshops"
    )
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.SET_NULL)
    # The scenario ids the facilitator means to play, in order. Ids whose card has since been
    # deleted are skipped when read; the log keeps the cards of rounds already played.
    plan = models.JSONField(default=list, blank=True)
    screen_token = models.CharField(max_length=40, default=new_screen_token)
    # The secret in the read-only replay link shared with the workshop's client; empty: no link.
    # A new one replaces the old, so revoking or renewing makes every earlier link 404.
    replay_token = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        """A new workshop gets its game row in the same transaction, whoever creates it (the
        console, an archive import, the admin): the game's writers lock that row, so a workshop
        without one could not be played. Here rather than in a signal, so it is plain to see."""
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)
            # By id, so that ``self.game`` is read when asked for: the log moves on at once.
            Game.objects.using(self._state.db).create(workshop_id=self.pk)

    def scenarios_in_play_order(self) -> list[tuple[Scenario, bool]]:
        """Each scenario on offer with whether it is planned: the plan in order, then the rest
        of the deck (with no deck: of the owner's decks) in deck order."""
        if self.deck_id:
            offered = list(Scenario.objects.filter(deck_id=self.deck_id))
        else:
            offered = list(Scenario.objects.filter(deck__in=Deck.objects.visible_to(self.owner)))
        by_id = {s.pk: s for s in offered}
        planned = [by_id[pk] for pk in dict.fromkeys(self.plan) if pk in by_id]
        chosen = {s.pk for s in planned}  # a set: a list here made the page plan x deck
        rest = [s for s in offered if s.pk not in chosen]
        return [(s, True) for s in planned] + [(s, False) for s in rest]

    def can_facilitate(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if user.is_superuser or user.pk == self.owner_id:
            return True
        return self.cofacilitators.filter(pk=user.pk).exists()


class Seat(models.Model):
    """Which device took which seat, so a ban keeps that device out (the seat itself lives in
    the game's log)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="seats")
    participant_id = models.CharField(max_length=40)
    device = models.CharField(max_length=64, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant_id"], name="seat_unique")
        ]
