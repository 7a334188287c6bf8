"""Rooms people join, who runs them, and the scenario decks rounds are drawn from."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

# No 0/O, 1/I/L: codes are read off a projector and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_room_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_screen_token() -> str:
    return secrets.token_urlsafe(18)


class Deck(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    builtin = models.BooleanField(default=False)

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
    """A room. Its row is also the lock that makes one writer per workshop."""

    code = models.CharField(max_length=12, unique=True, default=new_room_code)
    title = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshops"
    )
    cofacilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cofacilitated_workshops"
    )
    deck = models.ForeignKey(Deck, null=True, blank=True, on_delete=models.SET_NULL)
    screen_token = models.CharField(max_length=40, default=new_screen_token)
    created_at = models.DateTimeField(auto_now_add=True)
    # Both mirror the event log, written in the same transaction as the events they follow.
    last_seq = models.PositiveBigIntegerField(default=0)
    deadline = models.FloatField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

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
