from django.contrib import admin

from workshop.models import Deck, Scenario, Workshop


class ScenarioInline(admin.StackedInline):
    model = Scenario
    extra = 1
    fields = ["position", "slug", "title", "customer", "situation", "ask", "debrief"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ["name", "builtin"]
    inlines = [ScenarioInline]


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "owner", "created_at", "last_seq"]
    list_select_related = ["owner", "game"]
    search_fields = ["title", "code"]
    readonly_fields = ["code", "screen_token", "last_seq", "deadline", "created_at"]
    filter_horizontal = ["cofacilitators"]

    # The game's row, shown beside the room it belongs to; only the game writes it.
    @admin.display(description="last seq", ordering="game__last_seq")
    def last_seq(self, workshop: Workshop) -> int:
        return workshop.game.last_seq

    @admin.display(description="deadline")
    def deadline(self, workshop: Workshop) -> float | None:
        return workshop.game.deadline
