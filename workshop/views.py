"""Pages: landing, join, the phone's game page, the facilitator console and the projector screen."""

from __future__ import annotations

import io
import re
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
from game.core.refusals import REFUSALS
from game.ratelimit import address_key
from game.tokens import read_participant_token
from workshop import room_codes, rooms, throttle
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
    with service.reading(workshop.pk, workshop.game.last_seq) as state:
        return pid if pid in state.people else None


def seat_in(request: HttpRequest, code: str) -> tuple[Workshop, str] | None:
    """The room ``code`` names and this phone's participant id there, if it holds a seat. Only a
    seat cookie signed for that room says yes, so a random code and a real one without a seat
    get the same None."""
    code = code.upper()
    if not request.COOKIES.get(f"upserve_seat_{code}"):
        return None
    workshop = Workshop.objects.select_related("game").filter(code=code).first()
    pid = _seated(request, workshop) if workshop else None
    return (workshop, pid) if pid else None


NOT_FOUND = _("No open workshop has that code. Check the screen and try again.")
TOO_FAST = _("Too many tries from this network. Wait a minute and try again.")
DEVICE_COOKIE = "upserve_device"
DEVICE_COOKIE_AGE = 60 * 60 * 24 * 365
DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _posted_device(request: HttpRequest) -> str:
    """The device id the join page's script kept in this browser's storage (static/upserve/
    device.js), so a browser that cleared only its cookies still brings the old one."""
    posted = request.POST.get("device", "") if request.method == "POST" else ""
    return posted if DEVICE_ID.fullmatch(posted) else ""


def _device(request: HttpRequest) -> str:
    """This browser's device id: the one its storage kept, else its cookie's, else new (and set
    by ``_remember_device``)."""
    if not hasattr(request, "upserve_device"):
        known = request.COOKIES.get(DEVICE_COOKIE, "")[:64]
        request.upserve_device = _posted_device(request) or known or secrets.token_urlsafe(18)
    return request.upserve_device


def _devices(request: HttpRequest) -> list[str]:
    """Every device id this browser brought: a ban holds while any of them names a banned seat."""
    return list({request.COOKIES.get(DEVICE_COOKIE, "")[:64], _device(request)} - {""})


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


def _code_refused(request: HttpRequest, code: str, sentence, status: int) -> HttpResponse:
    """The landing page with ``code`` filled in and ``sentence`` under it."""
    form = RoomCodeForm({"code": code[:12]})
    form.is_valid()
    form.errors["code"] = form.error_class([sentence])
    page = render(request, "landing.html", {"form": form}, status=status)
    return _remember_device(request, page)


@require_http_methods(["GET", "POST"])
def landing(request: HttpRequest) -> HttpResponse:
    form = RoomCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        found = room_codes.find(request, form.cleaned_data["code"], _devices(request))
        if found.workshop:
            return redirect("join", code=found.workshop.code)
        form.add_error("code", TOO_FAST if found.throttled else NOT_FOUND)
        status = 429 if found.throttled else 200
    return _remember_device(request, render(request, "landing.html", {"form": form}, status=status))


def _join_page(request, form, found, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "workshop": found.workshop,
        "device": _device(request),
        "refusal": REFUSALS[found.refusal] if found.refusal else "",
    }
    return _remember_device(request, render(request, "join.html", context, status=status))


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    code = code.upper()
    if seat_in(request, code):
        return redirect("play", code=code)  # a seat is held, even in a locked room
    found = room_codes.find(request, code, _devices(request))
    if found.throttled:
        return _code_refused(request, code, TOO_FAST, 429)
    if found.workshop is None:
        return _code_refused(request, code, NOT_FOUND, 404)
    workshop = found.workshop
    if request.method == "GET":
        form = JoinForm(initial={"nickname": rooms.suggested_nickname(workshop)})
        return _join_page(request, form, found)
    form = JoinForm(request.POST)
    if found.refusal or not form.is_valid():
        return _join_page(request, form, found)
    address = throttle.client_address(request)
    if not (
        throttle.allow(f"join:{address_key(address)}", settings.UPSERVE_JOINS_PER_ADDRESS)
        and throttle.allow(f"join:w{workshop.pk}", settings.UPSERVE_JOINS_PER_WORKSHOP)
    ):
        form.add_error("nickname", TOO_FAST)
        return _join_page(request, form, found, status=429)
    outcome, token = rooms.participant_join(
        workshop=workshop,
        nickname=form.cleaned_data["nickname"],
        device=_device(request),
        address=address if address != "unknown" else None,
    )
    if not outcome.ok:
        form.add_error("nickname", outcome.message)
        return _join_page(request, form, found)
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


def nickname_suggestion(request: HttpRequest, code: str) -> JsonResponse:
    found = room_codes.find(request, code, _devices(request))
    if found.throttled:
        return JsonResponse({"error": "too_fast", "message": str(TOO_FAST)}, status=429)
    if found.workshop is None:
        return JsonResponse({"error": "not_found", "message": str(NOT_FOUND)}, status=404)
    return JsonResponse({"nickname": rooms.suggested_nickname(found.workshop)})


def play(request: HttpRequest, code: str) -> HttpResponse:
    seat = seat_in(request, code)
    if seat is None:  # whatever the code: the join page tells a newcomer what there is to tell
        return redirect("join", code=code.upper())
    workshop, _pid = seat
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
    found = room_codes.find(request, code, _devices(request))
    if found.workshop is None:
        sentence, status = (TOO_FAST, 429) if found.throttled else (NOT_FOUND, 404)
        return HttpResponse(str(sentence), status=status, content_type="text/plain")
    image = io.BytesIO()
    segno.make(rooms.join_url(found.workshop), error="m").save(
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
        try:
            workshop = rooms.workshop_create(
                owner=request.user,
                title=form.cleaned_data["title"],
                team_count=form.cleaned_data["team_count"],
                deck=form.cleaned_data["deck"],
                settings=form.cleaned_data["settings"],
                plan=form.cleaned_data["plan"],
            )
        except rooms.SetUpRefused as refused:
            form.add_error("title" if refused.code == "blocked_words" else None, str(refused))
        else:
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
