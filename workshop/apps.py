from django.apps import AppConfig

from game.rights import announce


def cofacilitators_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A co-facilitator removed from a workshop: their open consoles check their right at once
    (game/rights.py). Adding one changes no open socket."""
    if action not in ("post_remove", "post_clear"):
        return
    if reverse:  # instance is the user
        announce([instance.pk])
    else:  # instance is the workshop; a clear does not say whom it removed
        announce(sorted(pk_set) if pk_set else None)


class WorkshopConfig(AppConfig):
    name = "workshop"
    verbose_name = "Workshops and decks"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        m2m_changed.connect(
            cofacilitators_changed,
            sender=self.get_model("Workshop").cofacilitators.through,
            dispatch_uid="upserve.rights.cofacilitators",
        )
