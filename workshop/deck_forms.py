"""Forms of the scenario editor: a deck's name, and a scenario card."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from workshop.forms import text_rule
from workshop.models import Deck, Scenario


def _text_rule_on_every_field(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.CharField):
            field.validators.append(text_rule)


class DeckForm(forms.ModelForm):
    class Meta:
        model = Deck
        fields = ["name", "description"]
        labels = {"name": _("Deck name"), "description": _("Description")}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"required": _("Give the deck a name.")}}

    def __init__(self, *args, owner, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        _text_rule_on_every_field(self)
        self.owner = owner

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        mine = Deck.objects.filter(owner=self.owner, name__iexact=name)
        if mine.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("You already have a deck called “%(name)s”."), params={"name": name}
            )
        return name

    def save(self, commit: bool = True) -> Deck:
        deck = super().save(commit=False)
        if deck.pk is None:
            deck.owner = self.owner
        if commit:
            deck.save()
        return deck


def _required(what):
    return {"required": what}


class ScenarioForm(forms.ModelForm):
    """A card. Fields are stripped by the form; the model's lengths are the limits."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        _text_rule_on_every_field(self)

    class Meta:
        model = Scenario
        fields = ["title", "customer", "situation", "ask", "debrief"]
        labels = {
            "title": _("Title"),
            "customer": _("Customer"),
            "situation": _("Situation"),
            "ask": _("The ask"),
            "debrief": _("Debrief notes (optional)"),
        }
        help_texts = {
            "customer": _("Who the teams are serving."),
            "situation": _("What is going on, in a few sentences."),
            "ask": _("What each team writes a move for."),
            "debrief": _("A question for the room, shown on the screen with the leaderboard."),
        }
        widgets = {
            "customer": forms.Textarea(attrs={"rows": 2}),
            "situation": forms.Textarea(attrs={"rows": 4}),
            "ask": forms.Textarea(attrs={"rows": 3}),
            "debrief": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "title": _required(_("Give the card a title.")),
            "customer": _required(_("Say who the customer is.")),
            "situation": _required(_("Describe the situation.")),
            "ask": _required(_("Say what the teams are asked to do.")),
        }
