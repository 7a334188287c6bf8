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
    search_fields = ["title", "code"]
    readonly_fields = ["code", "screen_token", "last_seq", "deadline", "created_at"]
    filter_horizontal = ["cofacilitators"]
