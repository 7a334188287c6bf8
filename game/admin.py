from django.contrib import admin

from game.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The log is append-only: the admin may read it, never change it."""

    list_display = ["workshop", "seq", "type", "recorded_at"]
    list_filter = ["type"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
