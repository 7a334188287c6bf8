"""The scenario editor: facilitators write their own decks of cards outside the Django admin.

A facilitator reads the built-in decks and their own; a superuser reads all. Only a deck's owner
(or a superuser) changes it; built-in decks change only through their JSON file, so the editor
offers a copy instead."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from workshop.deck_forms import DeckForm, ScenarioForm
from workshop.models import Deck, Scenario
from workshop.paging import CARDS_PER_PAGE, DECKS_PER_PAGE, page_number, page_of


def _readable(request: HttpRequest, pk: int) -> Deck:
    return get_object_or_404(Deck.objects.visible_to(request.user), pk=pk)


def _editable(request: HttpRequest, pk: int) -> Deck:
    deck = _readable(request, pk)
    if not Deck.objects.editable_by(request.user).filter(pk=deck.pk).exists():
        raise PermissionDenied(_("This deck is read-only. Copy it to your decks to change it."))
    return deck


def _card(deck: Deck, pk: int) -> Scenario:
    return get_object_or_404(Scenario, deck=deck, pk=pk)


@login_required
def deck_list(request: HttpRequest) -> HttpResponse:
    decks = Deck.objects.visible_to(request.user).annotate(cards=Count("scenarios"))
    ordered = decks.select_related("owner").order_by("-builtin", "name", "id")
    page = page_of(request, ordered, DECKS_PER_PAGE)
    editable = set(
        Deck.objects.editable_by(request.user)
        .filter(pk__in=[deck.pk for deck in page])
        .values_list("pk", flat=True)
    )
    rows = [(deck, deck.pk in editable) for deck in page]
    return render(request, "scenarios/deck_list.html", {"rows": rows, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def deck_create(request: HttpRequest) -> HttpResponse:
    form = DeckForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        deck = form.save()
        messages.success(request, _("Deck created. Add its first card."))
        return redirect("deck", pk=deck.pk)
    return render(request, "scenarios/deck_form.html", {"form": form, "deck": None})


@login_required
def deck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deck = _readable(request, pk)
    editable = Deck.objects.editable_by(request.user).filter(pk=deck.pk).exists()
    page = page_of(request, deck.scenarios.all(), CARDS_PER_PAGE)
    # Card numbers run on across pages: they are the numbers the create form's plan takes.
    cards = [(page.start_index() + i, card) for i, card in enumerate(page)]
    return render(
        request,
        "scenarios/deck_detail.html",
        {"deck": deck, "cards": cards, "page": page, "editable": editable},
    )


def _card_url(deck: Deck, card: Scenario, index: int | None = None) -> str:
    """The deck's page that shows ``card`` (at ``index`` in the deck, when known), at the card."""
    if index is None:
        index = deck.scenarios.filter(
            Q(position__lt=card.position) | Q(position=card.position, pk__lt=card.pk)
        ).count()
    number = page_number(index, CARDS_PER_PAGE)
    query = f"?page={number}" if number > 1 else ""
    return reverse("deck", kwargs={"pk": deck.pk}) + f"{query}#card-{card.pk}"


@login_required
@require_http_methods(["GET", "POST"])
def deck_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deck = _editable(request, pk)
    form = DeckForm(request.POST or None, instance=deck, owner=deck.owner)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Deck saved."))
        return redirect("deck", pk=deck.pk)
    return render(request, "scenarios/deck_form.html", {"form": form, "deck": deck})


@login_required
@require_http_methods(["GET", "POST"])
def deck_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deck = _editable(request, pk)
    if request.method == "POST":
        name = deck.name
        deck.delete()
        messages.success(request, _("Deck “%(name)s” deleted.") % {"name": name})
        return redirect("decks")
    return render(request, "scenarios/confirm_delete.html", {"deck": deck, "card": None})


@login_required
@require_POST
def deck_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = _readable(request, pk)
    with transaction.atomic():
        copy = Deck.objects.create(
            owner=request.user,
            name=_free_name(request.user, source.name),
            description=source.description,
        )
        Scenario.objects.bulk_create(
            Scenario(
                deck=copy,
                position=card.position,
                slug=card.slug,
                title=card.title,
                customer=card.customer,
                situation=card.situation,
                ask=card.ask,
                debrief=card.debrief,
            )
            for card in source.scenarios.all()
        )
    messages.success(request, _("Copied to your decks as “%(name)s”.") % {"name": copy.name})
    return redirect("deck", pk=copy.pk)


def _free_name(owner, name: str) -> str:
    """``name (copy)``, or ``name (copy 2)`` and on, whichever the owner has no deck called."""
    limit = Deck._meta.get_field("name").max_length
    taken = {n.casefold() for n in Deck.objects.filter(owner=owner).values_list("name", flat=True)}
    number = 1
    while True:
        suffix = _(" (copy)") if number == 1 else _(" (copy %(n)d)") % {"n": number}
        candidate = name[: limit - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
        number += 1


@login_required
@require_http_methods(["GET", "POST"])
def card_create(request: HttpRequest, pk: int) -> HttpResponse:
    deck = _editable(request, pk)
    form = ScenarioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        card = form.save(commit=False)
        card.deck = deck
        with transaction.atomic():
            last = deck.scenarios.aggregate(last=Max("position"))["last"]
            card.position = 0 if last is None else last + 1
            card.slug = _free_slug(deck, card.title)
            card.save()
        messages.success(request, _("Card “%(title)s” added.") % {"title": card.title})
        return redirect(_card_url(deck, card))
    return render(request, "scenarios/card_form.html", {"form": form, "deck": deck, "card": None})


def _free_slug(deck: Deck, title: str) -> str:
    # The slug names the card in the log's round events; it stays put when the title changes.
    limit = Scenario._meta.get_field("slug").max_length
    base = slugify(title)[: limit - 4] or "card"
    taken = set(deck.scenarios.values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@login_required
@require_http_methods(["GET", "POST"])
def card_edit(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    deck = _editable(request, pk)
    card = _card(deck, card_pk)
    form = ScenarioForm(request.POST or None, instance=card)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Card “%(title)s” saved.") % {"title": card.title})
        return redirect(_card_url(deck, card))
    return render(request, "scenarios/card_form.html", {"form": form, "deck": deck, "card": card})


@login_required
@require_http_methods(["GET", "POST"])
def card_delete(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    deck = _editable(request, pk)
    card = _card(deck, card_pk)
    if request.method == "POST":
        card.delete()
        messages.success(request, _("Card “%(title)s” deleted.") % {"title": card.title})
        return redirect("deck", pk=deck.pk)
    return render(request, "scenarios/confirm_delete.html", {"deck": deck, "card": card})


@login_required
@require_POST
def card_move(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    """Swap a card with its neighbour above or below (``direction`` = up or down)."""
    deck = _editable(request, pk)
    with transaction.atomic():
        cards = list(deck.scenarios.select_for_update())
        card = _card(deck, card_pk)
        index = [c.pk for c in cards].index(card.pk)
        step = -1 if request.POST.get("direction") == "up" else 1
        if 0 <= index + step < len(cards):
            cards[index], cards[index + step] = cards[index + step], cards[index]
            index += step
        # Renumber all: positions written by older code or the admin may repeat.
        for position, each in enumerate(cards):
            each.position = position
        Scenario.objects.bulk_update(cards, ["position"])
    return redirect(_card_url(deck, card, index))
