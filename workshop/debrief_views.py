"""The debrief pages: the facilitator's report of a workshop (printable), one participant's rounds
as the facilitator sees them, and each participant's own, from their phone."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from game import service
from game.core.debrief import commitments, debrief, participant_debrief
from game.core.refusals import REFUSALS
from workshop import room_codes
from workshop.models import Workshop
from workshop.paging import PEOPLE_PER_PAGE, page_of
from workshop.views import TOO_FAST, _facilitated, seat_in

QUESTIONS = {
    "q1": _("If they agree, will their life (or position) improve?"),
    "q2": _("When it is over, will the world be better than when you began?"),
}
ANSWERS = (("yes", _("Yes")), ("unsure", _("Not sure")), ("no", _("No")))


def _facilitated_workshop(request: HttpRequest, code: str) -> Workshop:
    return get_object_or_404(_facilitated(request), code=code.upper())


def _with_rows(move: dict) -> dict:
    """The move plus its answers as table rows, in the answers' order, for the templates."""
    rows = [
        {"label": label, "q1": move["answers"]["q1"][key], "q2": move["answers"]["q2"][key]}
        for key, label in ANSWERS
    ]
    return {**move, "rows": rows}


def _report(state) -> dict:
    report = debrief(state)
    names = {t["id"]: t["name"] for t in report["teams"]}
    for current in report["rounds"]:
        current["moves"] = [_with_rows(m) for m in current["moves"]]
    for after in report["standings"]:
        for row in after["rows"]:
            row["team_name"] = names.get(row["team"], "")
    return report


def _chart_data(report: dict) -> dict:
    """What the charts draw; the page's tables show the same numbers as text."""
    return {
        "teams": report["teams"],
        "rounds": [
            {
                "round": r["round"],
                "moves": [
                    {
                        "team": m["team"],
                        "label": m["team_name"],
                        "answers": m["answers"],
                        "position": m["position"],
                        "upserve": m["upserve"],
                        "upsell": m["upsell"],
                    }
                    for m in r["moves"]
                ],
            }
            for r in report["rounds"]
        ],
        "standings": [
            {"round": s["round"], "totals": {row["team"]: row["total"] for row in s["rows"]}}
            for s in report["standings"]
        ],
    }


@login_required
def debrief_page(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _facilitated_workshop(request, code)
    with service.reading(workshop.pk) as state:
        report = _report(state)
        written = commitments(state)
        # One page of people: a room of thousands lists a hundred at a time.
        page = page_of(request, list(state.people.values()), PEOPLE_PER_PAGE)
        people = [
            {"id": p.id, "nickname": p.nickname, "team": state.teams[p.team_id].name}
            if p.team_id in state.teams
            else {"id": p.id, "nickname": p.nickname, "team": ""}
            for p in page
        ]
        ended = state.ended
    return render(
        request,
        "debrief/facilitator.html",
        {
            "workshop": workshop,
            "report": report,
            "chart_data": _chart_data(report),
            "commitments": written,
            "people": people,
            "people_page": page,
            "ended": ended,
            "questions": QUESTIONS,
        },
    )


@login_required
def person_page(request: HttpRequest, code: str, pid: str) -> HttpResponse:
    workshop = _facilitated_workshop(request, code)
    with service.reading(workshop.pk) as state:
        person = participant_debrief(state, pid)
    if person is None:
        raise Http404("No such participant.")
    return render(
        request,
        "debrief/person.html",
        {"workshop": workshop, "person": person, "mine": False, "questions": QUESTIONS},
    )


def _my_debrief(request: HttpRequest, code: str) -> tuple[Workshop, dict] | None:
    seat = seat_in(request, code)
    if seat is None:
        return None
    workshop, pid = seat
    with service.reading(workshop.pk) as state:
        person = participant_debrief(state, pid)
    return (workshop, person) if person is not None else None


def mine_page(request: HttpRequest, code: str) -> HttpResponse:
    mine = _my_debrief(request, code)
    if mine is None:  # whatever the code: the join page says what a newcomer may know
        return redirect("join", code=code.upper())
    workshop, person = mine
    return render(
        request,
        "debrief/person.html",
        {"workshop": workshop, "person": person, "mine": True, "questions": QUESTIONS},
    )


def mine_json(request: HttpRequest, code: str) -> JsonResponse:
    """The phone's end-of-workshop view reads this: it has only the current round in memory.
    Without a seat, every code gets the same refusal and counts against the address's misses."""
    mine = _my_debrief(request, code)
    if mine is None:
        if room_codes.miss(request).throttled:
            return JsonResponse({"error": "too_fast", "message": str(TOO_FAST)}, status=429)
        return JsonResponse({"error": "not_joined", "message": REFUSALS["not_joined"]}, status=403)
    return JsonResponse(mine[1])
