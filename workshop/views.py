"""Pages: landing, join, the phone's game page, the facilitator console and the projector screen."""

from __future__ import annotations

import io
import secrets

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from game import service
from game.tokens import read_participant_token
from workshop import rooms
from workshop.forms import CreateWorkshopForm, JoinForm, RoomCodeForm
from workshop.models import Deck, Scenario, Workshop

SEAT_COOKIE_AGE = 60 * 60 * 24 * 14


def seat_cookie(workshop: Workshop) -> str:
    return f"upserve_seat_{workshop.code}"


def _seated(request: HttpRequest, workshop: Workshop) -> str | None:
    """The participant id of this phone's seat in ``workshop``, if it has one."""
    token = request.COOKIES.get(seat_cookie(workshop), "")
    pid = read_participant_token(token, workshop.pk) if token else None
    return pid if pid and pid in service.read_state(workshop.pk).people else None


@require_http_methods(["GET", "POST"])
def landing(request: HttpRequest) -> HttpResponse:
    form = RoomCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if Workshop.objects.filter(code=form.cleaned_data["code"]).exists():
            return redirect("join", code=form.cleaned_data["code"])
        form.add_error("code", "No open workshop has that code. Check the screen and try again.")
    return render(request, "landing.html", {"form": form})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    workshop = Workshop.objects.filter(code=code.upper()).first()
    if workshop is None:
        messages.error(request, "No open workshop has that code. Check the screen and try again.")
        return redirect("landing")
    if _seated(request, workshop):
        return redirect("play", code=workshop.code)
    form = JoinForm(request.POST or None, initial={"nickname": rooms.suggested_nickname(workshop)})
    if request.method == "POST" and form.is_valid():
        outcome, token = rooms.participant_join(
            workshop=workshop, nickname=form.cleaned_data["nickname"]
        )
        if outcome.ok:
            response = redirect("play", code=workshop.code)
            response.set_cookie(
                seat_cookie(workshop),
                token,
                max_age=SEAT_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
        form.add_error("nickname", outcome.message)
    return render(request, "join.html", {"form": form, "workshop": workshop})


def nickname_suggestion(request: HttpRequest, code: str) -> JsonResponse:
    workshop = get_object_or_404(Workshop, code=code.upper())
    return JsonResponse({"nickname": rooms.suggested_nickname(workshop)})


def play(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(Workshop, code=code.upper())
    if not _seated(request, workshop):
        return redirect("join", code=workshop.code)
    token = request.COOKIES[seat_cookie(workshop)]
    return render(
        request,
        "play.html",
        {
            "workshop": workshop,
            "client": {"code": workshop.code, "role": "participant", "token": token},
        },
    )


def screen(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(Workshop, code=code.upper())
    key = request.GET.get("key", "")
    if not secrets.compare_digest(key.encode(), workshop.screen_token.encode()):
        raise Http404("No such screen.")
    return render(
        request,
        "screen.html",
        {
            "workshop": workshop,
            "join_url": rooms.join_url(workshop),
            "join_host": settings.PUBLIC_URL.split("://", 1)[-1],
            "client": {"code": workshop.code, "role": "screen", "token": key},
        },
    )


def qr_code(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(Workshop, code=code.upper())
    image = io.BytesIO()
    segno.make(rooms.join_url(workshop), error="m").save(
        image, kind="svg", xmldecl=False, scale=10, border=2
    )
    return HttpResponse(image.getvalue(), content_type="image/svg+xml")


def _facilitated(request: HttpRequest):
    user = request.user
    if user.is_superuser:
        return Workshop.objects.all()
    return Workshop.objects.filter(Q(owner=user) | Q(cofacilitators=user)).distinct()


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    form = CreateWorkshopForm(
        request.POST or None, initial={"deck": Deck.objects.filter(builtin=True).first()}
    )
    if request.method == "POST" and form.is_valid():
        workshop = rooms.workshop_create(
            owner=request.user,
            title=form.cleaned_data["title"],
            team_count=form.cleaned_data["teams"],
            deck=form.cleaned_data["deck"],
        )
        return redirect("console_run", code=workshop.code)
    return render(request, "console.html", {"form": form, "workshops": _facilitated(request)[:50]})


@login_required
def console_run(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(_facilitated(request), code=code.upper())
    scenarios = (
        Scenario.objects.filter(deck=workshop.deck) if workshop.deck else Scenario.objects.all()
    )
    return render(
        request,
        "console_run.html",
        {
            "workshop": workshop,
            "join_url": rooms.join_url(workshop),
            "screen_url": f"/screen/{workshop.code}/?key={workshop.screen_token}",
            "scenarios": [{"id": s.pk, "title": s.title} for s in scenarios],
            "client": {"code": workshop.code, "role": "facilitator", "token": ""},
        },
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
