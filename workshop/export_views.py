"""Pages and downloads for exports, archives and cohorts. Only a workshop's facilitators (and
superusers) may take its results away; an import always belongs to whoever uploads it."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from workshop import cohorts, exports
from workshop.archive import ArchiveError, import_archive, max_bytes, parse
from workshop.models import Workshop

KINDS = ("moves", "votes", "scores", "commitments")


def facilitated_by(user):
    if user.is_superuser:
        return Workshop.objects.all()
    return Workshop.objects.filter(Q(owner=user) | Q(cofacilitators=user)).distinct()


def _workshop(request: HttpRequest, code: str) -> Workshop:
    return get_object_or_404(facilitated_by(request.user), code=code.upper())


def _attachment(response: HttpResponse, workshop: Workshop, suffix: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="upserve-{workshop.code}-{suffix}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_page(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _workshop(request, code)
    return render(request, "exports/workshop.html", {"workshop": workshop, "kinds": KINDS})


@login_required
def export_csv(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    workshop = _workshop(request, code)
    if kind not in KINDS:
        return HttpResponse(status=404)
    rows = exports.results(workshop)[kind]
    # A byte-order mark so spreadsheet programs read the participants' accents right.
    lines = ["\ufeff", *exports.csv_lines(kind, rows)]
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, workshop, f"{kind}.csv")


@login_required
def export_json(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _workshop(request, code)
    body = json.dumps(exports.results(workshop), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    return _attachment(response, workshop, "results.json")


@login_required
def archive_download(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _workshop(request, code)
    count, lines = exports.archive_lines(workshop)
    response = StreamingHttpResponse(
        (line.encode() for line in lines), content_type="application/json; charset=utf-8"
    )
    # The page's script counts the lines it has received against this to show progress.
    response["X-Archive-Events"] = str(count)
    return _attachment(response, workshop, "archive.json")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_http_methods(["GET", "POST"])
def archive_import(request: HttpRequest) -> HttpResponse:
    context = {"max_mb": max_bytes() // (1024 * 1024)}
    if request.method == "GET":
        return render(request, "exports/import.html", context)
    upload = request.FILES.get("archive")
    try:
        if upload is None:
            raise ArchiveError(_("Choose an archive file to import."))
        if upload.size > max_bytes():
            raise ArchiveError(
                _("The file is too big: archives may be at most %(mb)s MB.")
                % {"mb": context["max_mb"]}
            )
        workshop = import_archive(parse(upload.read()), request.user)
    except ArchiveError as problem:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": str(problem)}, status=400)
        return render(
            request, "exports/import.html", {**context, "error": str(problem)}, status=400
        )
    url = reverse("console_run", args=[workshop.code])
    if _wants_json(request):
        return JsonResponse({"ok": True, "code": workshop.code, "url": url})
    return render(request, "exports/import.html", {**context, "imported": workshop, "url": url})


@login_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    from workshop.paging import COHORT_WORKSHOPS_PER_PAGE, page_of  # kept local: a shared module

    # A page of workshops (newest first) is compared at a time: each one's results are a fold of
    # its log, so comparing every workshop ever run would grow without bound.
    newest = facilitated_by(request.user).order_by("-created_at", "-pk")
    page = page_of(request, newest, COHORT_WORKSHOPS_PER_PAGE)
    oldest_first = sorted(page, key=lambda w: (w.created_at, w.pk))
    return render(
        request,
        "exports/cohorts.html",
        {"groups": cohorts.compare(oldest_first), "page": page},
    )
