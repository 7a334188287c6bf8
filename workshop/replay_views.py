"""Replays of past rounds: the list of workshops and rounds, the replay page (a facilitator's, or
the read-only one behind a shared link) and the share link's creation and revocation.

The page gets the screen's snapshot just before the round, the round's span and timeline marks,
and the first piece of its log as the projector saw it (redacted for a screen viewer, each event
with its recorded time); its script fetches the next pieces from ``replay_events`` as it plays or
scrubs, so no response holds a whole long round. It folds and draws in the browser with the
screen's own code. Reading the log here is read-only: nothing is decided.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
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
    return {w.pk: segments(starts[w.pk], w.game.last_seq) for w in workshops}


# Up to this many marked events the timeline marks each one; past it, one mark per kind and
# slice of the timeline (MARK_SLICES of them), so the page's marks stay bounded too.
MARKS_EXACT = 2000
MARK_SLICES = 400


def _start_of(workshop: Workshop, segment: Segment) -> dict:
    """The screen's snapshot just before ``segment``: the log before it, folded as it streams
    from the database (never held whole)."""
    rows = EventRow.objects.filter(workshop=workshop, seq__lt=segment.first).order_by("seq")
    log = (
        Recorded(seq, Event(type_, data))
        for seq, type_, data in rows.values_list("seq", "type", "data").iterator(chunk_size=1000)
    )
    return snapshot(fold_prefix(log, segment.first - 1), SCREEN)


def _timeline(workshop: Workshop, segment: Segment) -> dict:
    """The segment's recorded start and end times and its timeline marks, from each event's type
    and time alone (no event data is read)."""
    rows = EventRow.objects.filter(
        workshop=workshop, seq__gte=segment.first, seq__lte=segment.last
    ).order_by("seq")
    marked, start, end = [], None, None
    for seq, type_, at in rows.values_list("seq", "type", "recorded_at").iterator(chunk_size=5000):
        start = at if start is None else start
        end = at
        mark = mark_of(Event(type_, {}))
        if mark:
            marked.append((seq, mark, at))
    start, end = start or 0, end or 0
    span = (end - start) or 1
    if len(marked) <= MARKS_EXACT:
        marks = [{"seq": seq, "mark": m, "left": (at - start) / span} for seq, m, at in marked]
    else:
        slices = dict.fromkeys((m, int((at - start) / span * MARK_SLICES)) for _, m, at in marked)
        marks = [{"seq": None, "mark": m, "left": n / MARK_SLICES} for m, n in slices]
    return {"start_at": start, "end_at": end, "marks": marks}


def replay_piece(workshop: Workshop, segment: Segment, after: int) -> dict:
    """Up to ``UPSERVE_REPLAY_PIECE`` events of ``segment`` after seq ``after``, as the screen saw them, each
    with its recorded time and timeline mark; ``next`` is the seq to ask after next (or None)."""
    after = max(after, segment.first - 1)
    rows = EventRow.objects.filter(
        workshop=workshop,
        seq__gt=after,
        seq__lte=segment.last,
        # A round of a hundred thousand votes comes to the page in pieces the script fetches as it
        # plays or scrubs, never in one response.
    ).order_by("seq")[: settings.UPSERVE_REPLAY_PIECE]
    log, times = [], {}
    for seq, type_, data, at in rows.values_list("seq", "type", "data", "recorded_at"):
        log.append(Recorded(seq, Event(type_, data)))
        times[seq] = at
    events = [
        {
            "seq": x.seq,
            "type": x.event.type,
            "data": x.event.data,
            "at": times[x.seq],
            "mark": mark_of(x.event),
        }
        for x in as_seen_by(log, SCREEN)
    ]
    reached = events[-1]["seq"] if events else segment.last
    return {"events": events, "next": reached if reached < segment.last else None}


def replay_data(workshop: Workshop, segment: Segment) -> dict:
    """What the replay page starts from: the screen's snapshot before ``segment``, its timeline
    and its first piece of events; the script fetches the other pieces as it needs them."""
    first = replay_piece(workshop, segment, segment.first - 1)
    return {
        "start": _start_of(workshop, segment),
        **_timeline(workshop, segment),
        "events": first["events"],
        "next": first["next"],
    }


# -- pages ---------------------------------------------------------------------------------------


def _replayable(request: HttpRequest):
    """The workshops ``request.user`` facilitates, each with its game row (where its log ends)."""
    return _facilitated(request).select_related("game")


@login_required
def replay_list(request: HttpRequest) -> HttpResponse:
    """Every workshop the user facilitates (a superuser: all), with its rounds to replay."""
    page = page_of(
        request,
        _replayable(request).filter(game__last_seq__gt=0).order_by("-created_at", "-pk"),
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
    if shared:
        pieces_url = reverse("replay_shared_events", args=[workshop.code, workshop.replay_token])
    else:
        pieces_url = reverse("replay_events", args=[workshop.code])
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
                "pieces": pieces_url,
                **replay_data(workshop, segment),
            },
        },
    )


def _piece(request: HttpRequest, workshop: Workshop) -> JsonResponse:
    segment = _chosen(request, _segments_of([workshop])[workshop.pk])
    after = request.GET.get("after", "")
    piece = replay_piece(workshop, segment, int(after) if after.isdigit() else 0)
    return JsonResponse({"round": segment.round, "last": segment.last, **piece})


def _shared_workshop(code: str, token: str) -> Workshop:
    workshop = get_object_or_404(Workshop.objects.select_related("game"), code=code.upper())
    expected = workshop.replay_token
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        raise Http404("No such replay link.")
    return workshop


@login_required
def replay(request: HttpRequest, code: str) -> HttpResponse:
    workshop = get_object_or_404(_replayable(request), code=code.upper())
    return _page(request, workshop, shared=False)


@login_required
def replay_events(request: HttpRequest, code: str) -> JsonResponse:
    """A piece of a round's log for the replay page: ``?round=`` and ``?after=<seq>``."""
    workshop = get_object_or_404(_replayable(request), code=code.upper())
    return _piece(request, workshop)


def replay_shared_events(request: HttpRequest, code: str, token: str) -> JsonResponse:
    response = _piece(request, _shared_workshop(code, token))
    response["Referrer-Policy"] = "no-referrer"
    return response


def replay_shared(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The read-only replay for the workshop's client: the link's token is the only key."""
    workshop = _shared_workshop(code, token)
    response = _page(request, workshop, shared=True)
    # The token is in the address: keep it out of the Referer of any link followed from here.
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_POST
def replay_share(request: HttpRequest, code: str) -> HttpResponse:
    """Create (or renew) the share link, or revoke it. Either way older links stop working."""
    workshop = get_object_or_404(_replayable(request), code=code.upper())
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
