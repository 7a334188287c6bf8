"""The event log: the single source of truth for every workshop."""

from __future__ import annotations

from django.db import models


class Game(models.Model):
    """The game's own row for one workshop, created with the workshop.

    It is the lock of the write path (a writer holds it ``select_for_update`` while it decides
    and appends), where the log ends (``last_seq``, so a reader can tell whether its fold is
    current without reading the log) and when the running phase is due (``deadline``, polled by
    the timers). Both mirror the log and are written in the same transaction as its events.
    Its primary key is the workshop's id, so game code speaks of workshop ids only:
    ``Game.objects.select_for_update().filter(pk__in=ids)``,
    ``Game.objects.filter(deadline__lte=now)``. The workshop is named by string, never imported:
    the game does not depend on the workshop around it."""

    workshop = models.OneToOneField(
        "workshop.Workshop", primary_key=True, on_delete=models.CASCADE, related_name="game"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    deadline = models.FloatField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"game of workshop {self.pk} at #{self.last_seq}"


class Event(models.Model):
    workshop = models.ForeignKey("workshop.Workshop", on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    data = models.JSONField()
    recorded_at = models.FloatField(help_text="Server time (Unix seconds) of the command.")

    class Meta:
        ordering = ["workshop", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "seq"], name="event_seq_unique_in_workshop")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"


class Receipt(models.Model):
    """The answer given to one client command, so a retry with the same id gets it again."""

    workshop = models.ForeignKey("workshop.Workshop", on_delete=models.CASCADE, related_name="+")
    actor = models.CharField(max_length=80)
    client_id = models.CharField(max_length=64)
    result = models.JSONField()
    # A refusal's receipt is kept only among its sender's newest few (the service prunes the
    # rest): refused commands record nothing else, so they must not pile up rows either.
    refused = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "actor", "client_id"], name="receipt_unique_per_actor"
            )
        ]
        # A group commit looks up a batch's client ids at once, whoever sent them: without
        # this, each lookup scans every receipt of the workshop.
        indexes = [models.Index(fields=["workshop", "client_id"], name="receipt_client_id")]
