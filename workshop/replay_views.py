"""Replays of past rounds: the list of workshops and rounds, the replay page (a facilitator's, or
the read-only one behind a shared link) and the share link's creation and revocation.

The page gets the log as the projector saw it (redacted for a screen viewer) with each event's
recorded time, and the screen's snapshot just before the round: it folds and draws in the
browser with the screen's own code. Reading the log here is read-only: nothing is decided.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from game.core import events as e
from game.core.events import Event
from game.core.model import Role
from game.core.replay import Recorded, Segment, as_seen_by, fold_prefix, mark_of, segments
from game.core.visibility import Viewer, snapshot
from game.models import Event as EventRow
from workshop.models import Workshop
from workshop.paging import REPLAYS_PER_PAGE, page_of
from workshop.views import _facilitated

SCREEN = Viewer(Role.SCREEN)


# -- reading the log ---------------------------------------------------------------------------


def _segments_of(workshops: list[Workshop]) -> dict[int, list[Segment]]:
    """Each workshop's rounds, from its round_started events alone (no votes are read)."""
    starts: dict[int, list[tuple[int, dict]]] = {w.pk: [] for w in workshops}
    rows = EventRow.objects.filter(workshop__in=workshops, type=e.ROUND_STARTED).order_by(
        "workshop_id", "seq"
    )
    for workshop_id, seq, data in rows.values_list("workshop_id", "seq", "data"):
        starts[workshop_id].append((seq, data))
    return {w.pk: segments(starts[w.pk], w.last_seq) for w in workshops}


def _recorded(workshop: Workshop, last: int) -> tuple[list[Recorded], list[float]]:
    """The log up to ``last`` and when each of its events was recorded."""
    rows = EventRow.objects.filter(workshop=workshop, seq__lte=last).order_by("seq")
    log, times = [], []
    for seq, type_, data, at in rows.values_list("seq", "type", "data", "recorded_at"):
        log.append(Recorded(seq, Event(type_, data)))
        times.append(at)
    return log, times


def replay_data(workshop: Workshop, segment: Segment) -> dict:
    """What the replay page folds: the screen's snapshot before ``segment`` and its events as
    the screen saw them, each with its recorded time and timeline mark."""
    log, times = _recorded(workshop, segment.last)
    start = fold_prefix(log, segment.first - 1)
    inside = log[segment.first - 1 :]
    seen = as_seen_by(inside, SCREEN)
    return {
        "start": snapshot(start, SCREEN),
        "events": [
            {
                "seq": x.seq,
                "type": x.event.type,
                "data": x.event.data,
                "at": times[x.seq - 1],
                "mark": mark_of(x.event),
            }
            for x in seen
        ],
    }


# -- pages ---------------------------------------------------------------------------------------


@login_required
def replay_list(request: HttpRequest) -> HttpResponse:
    """Every workshop the user facilitates (a superuser: all), with its rounds to replay."""
    page = page_of(
        request,
        _facilitated(request).filter(last_seq__gt=0).order_by("-created_at", "-pk"),
        REPLAYS_PER_PAGE,
    )
    workshops = list(page)
    found = _segments_of(workshops)
    rows = [(w, [s for s in found[w.pk] if s.round]) for w in workshops]
    return render(request, "replay/list.html", {"rows": rows, "page": page})


def _chosen(request: HttpRequest, found: list[Segment]) -> Segment:
    """The segment asked for with ``?round=`` (0: the lobby); by default the first round."""
    if not found:
        raise Http404("Nothing happened in this workshop yet.")
    asked = request.GET.get("round", "")
    by_round = {s.round: s for s in found}
    if asked.isdigit() and int(asked) in by_round:
        return by_round[int(asked)]
    return next((s for s in found if s.round), found[0])


def _page(request: HttpRequest, workshop: Workshop, *, shared: bool) -> HttpResponse:
    found = _segments_of([workshop])[workshop.pk]
    segment = _chosen(request, found)
    share_url = ""
    if not shared and workshop.replay_token:
        share_url = request.build_absolute_uri(
            reverse("replay_shared", args=[workshop.code, workshop.replay_token])
        )
    return render(
        request,
        "replay/replay.html",
        {
            "workshop": workshop,
            "segments": found,
            "segment": segment,
            "shared": shared,
            "share_url": share_url,
            "replay": {
                "code": workshop.code,
                "round": segment.round,
                "first": segment.first,
                "last": segment.last,
                **replay_data(workshop, segment),
            },
        },
    )


@login_required
def replay(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(_facilitated(request), code=code.upper())
    return _page(request, workshop, shared=False)


def replay_shared(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The read-only replay for the workshop's client: the link's token is the only key."""
    workshop = get_object_or_404(Workshop, code=code.upper())
    expected = workshop.replay_token
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        raise Http404("No such replay link.")
    response = _page(request, workshop, shared=True)
    # The token is in the address: keep it out of the Referer of any link followed from here.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def replay_share(request: HttpRequest, code: str) -> HttpResponse:
    """Create (or renew) the share link, or revoke it. Either way older links stop working."""
    workshop = get_object_or_404(_facilitated(request), code=code.upper())
    if request.POST.get("action") == "revoke":
        workshop.replay_token = ""
        messages.success(request, _("The shared replay link no longer works."))
    else:
        workshop.replay_token = secrets.token_urlsafe(24)
        messages.success(request, _("A new read-only replay link is ready to share."))
    workshop.save(update_fields=["replay_token"])
    target = reverse("replay", args=[workshop.code])
    asked = request.POST.get("round", "")
    return redirect(f"{target}?round={asked}" if asked.isdigit() else target)
