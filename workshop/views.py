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
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from game import service
from game.tokens import read_participant_token
from workshop import rooms, throttle
from workshop.forms import CreateWorkshopForm, JoinForm, RoomCodeForm, duplicate_initial
from workshop.models import Deck, Workshop

SEAT_COOKIE_AGE = 60 * 60 * 24 * 14


def seat_cookie(workshop: Workshop) -> str:
    return f"upserve_seat_{workshop.code}"


def _seated(request: HttpRequest, workshop: Workshop) -> str | None:
    """The participant id of this phone's seat in ``workshop``, if it has one."""
    token = request.COOKIES.get(seat_cookie(workshop), "")
    pid = read_participant_token(token, workshop.pk) if token else None
    if not pid:
        return None
    with service.reading(workshop.pk, workshop.last_seq) as state:
        return pid if pid in state.people else None


NOT_FOUND = _("No open workshop has that code. Check the screen and try again.")
TOO_FAST = _("Too many tries from this network. Wait a minute and try again.")
DEVICE_COOKIE = "upserve_device"
DEVICE_COOKIE_AGE = 60 * 60 * 24 * 365


def _device(request: HttpRequest) -> str:
    """This browser's device id: from its cookie, or new (and set by ``_remember_device``)."""
    if not hasattr(request, "upserve_device"):
        known = request.COOKIES.get(DEVICE_COOKIE, "")[:64]
        request.upserve_device = known or secrets.token_urlsafe(18)
    return request.upserve_device


def _remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if request.COOKIES.get(DEVICE_COOKIE) != _device(request):
        response.set_cookie(
            DEVICE_COOKIE,
            _device(request),
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


def _looked_up(
    request: HttpRequest, code: str, workshop: Workshop | None = None
) -> Workshop | None:
    """The workshop a newcomer may join with ``code`` (or ``workshop``, already fetched by it).
    A wrong code, a locked or ended room and a banned device all look the same, so guessing
    codes tells a guesser nothing."""
    if workshop is None:
        workshop = Workshop.objects.filter(code=code.upper()).first()
    if workshop is None or not rooms.is_open_to(workshop, _device(request)):
        return None
    return workshop


@require_http_methods(["GET", "POST"])
def landing(request: HttpRequest) -> HttpResponse:
    form = RoomCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = throttle.client_address(request)
        if not throttle.allow(f"lookup:{address}", settings.UPSERVE_CODE_LOOKUPS_PER_ADDRESS):
            form.add_error("code", TOO_FAST)
        elif _looked_up(request, form.cleaned_data["code"]):
            return redirect("join", code=form.cleaned_data["code"])
        else:
            form.add_error("code", NOT_FOUND)
    return _remember_device(request, render(request, "landing.html", {"form": form}))


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    existing = Workshop.objects.filter(code=code.upper()).first()
    if existing and _seated(request, existing):
        return redirect("play", code=existing.code)  # a seat is held, even in a locked room
    address = throttle.client_address(request)
    if request.method == "GET" and not throttle.allow(
        f"lookup:{address}", settings.UPSERVE_CODE_LOOKUPS_PER_ADDRESS
    ):
        messages.error(request, TOO_FAST)
        return redirect("landing")
    workshop = _looked_up(request, code, existing)
    if workshop is None:
        messages.error(request, NOT_FOUND)
        return redirect("landing")
    if request.method == "POST":
        form = JoinForm(request.POST)
    else:
        form = JoinForm(initial={"nickname": rooms.suggested_nickname(workshop)})
    if request.method == "POST" and form.is_valid():
        if not (
            throttle.allow(f"join:{address}", settings.UPSERVE_JOINS_PER_ADDRESS)
            and throttle.allow(f"join:w{workshop.pk}", settings.UPSERVE_JOINS_PER_WORKSHOP)
        ):
            form.add_error("nickname", TOO_FAST)
            response = render(
                request, "join.html", {"form": form, "workshop": workshop}, status=429
            )
            return _remember_device(request, response)
        outcome, token = rooms.participant_join(
            workshop=workshop,
            nickname=form.cleaned_data["nickname"],
            device=_device(request),
            address=address if address != "unknown" else None,
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
            return _remember_device(request, response)
        form.add_error("nickname", outcome.message)
    return _remember_device(
        request, render(request, "join.html", {"form": form, "workshop": workshop})
    )


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
    """The workshop list and the create form (pre-filled from a past workshop with
    ``?duplicate=<code>``)."""
    initial = {"deck": Deck.objects.filter(builtin=True).first()}
    source = request.GET.get("duplicate")
    if source and request.method == "GET":
        past = get_object_or_404(_facilitated(request), code=source.upper())
        setup = rooms.workshop_setup(past)
        if setup["deck"] and not Deck.objects.visible_to(request.user).contains(setup["deck"]):
            messages.warning(
                request,
                _("That workshop's deck is not one of yours, so pick the scenarios again."),
            )
            setup.update(deck=initial["deck"], plan=[])
        initial = duplicate_initial(**setup)
    form = CreateWorkshopForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        workshop = rooms.workshop_create(
            owner=request.user,
            title=form.cleaned_data["title"],
            team_count=form.cleaned_data["team_count"],
            deck=form.cleaned_data["deck"],
            settings=form.cleaned_data["settings"],
            plan=form.cleaned_data["plan"],
        )
        return redirect("console_run", code=workshop.code)
    return render(
        request,
        "console.html",
        {"form": form, "workshops": _facilitated(request)[:50], "duplicating": source},
    )


@login_required
def console_run(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(_facilitated(request), code=code.upper())
    return render(
        request,
        "console_run.html",
        {
            "workshop": workshop,
            "join_url": rooms.join_url(workshop),
            "screen_url": f"/screen/{workshop.code}/?key={workshop.screen_token}",
            "scenarios": [
                {"id": s.pk, "title": s.title, "planned": planned}
                for s, planned in workshop.scenarios_in_play_order()
            ],
            "client": {"code": workshop.code, "role": "facilitator", "token": ""},
        },
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
