"""Pages and downloads for exports, archives and cohorts. Only a workshop's facilitators (and
superusers) may take its results away; an import always belongs to whoever uploads it."""

from __future__ import annotations

import json
import tempfile
import threading

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from workshop import cohorts, exports, throttle
from workshop.archive import ArchiveError, discard_abandoned, max_bytes
from workshop.import_worker import import_file
from workshop.models import Workshop
from workshop.paging import COHORT_WORKSHOPS_PER_PAGE, page_of

KINDS = ("moves", "votes", "scores", "commitments")

# A results export (JSON or CSV) folds the whole log in a request thread: seconds of CPU for a
# big workshop. Eight at once took every request thread and held /healthz and joins for 14 s,
# so a process prepares at most EXPORTS_AT_ONCE at a time and answers the others 503.
EXPORTS_AT_ONCE = 2
_exporting = threading.Semaphore(EXPORTS_AT_ONCE)


def _results(workshop: Workshop) -> dict | None:
    """The workshop's results, or None while this process is busy with other exports."""
    if not _exporting.acquire(blocking=False):
        return None
    try:
        return exports.results(workshop)
    finally:
        _exporting.release()


def _busy() -> HttpResponse:
    sentence = _("Other exports are being prepared on this server; try again in a moment.")
    response = HttpResponse(sentence, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "10"
    return response


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
    results = _results(workshop)
    if results is None:
        return _busy()
    rows = results[kind]
    # A byte-order mark so spreadsheet programs read the participants' accents right.
    lines = ["\ufeff", *exports.csv_lines(kind, rows)]
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, workshop, f"{kind}.csv")


@login_required
def export_json(request: HttpRequest, code: str) -> HttpResponse:
    workshop = _workshop(request, code)
    results = _results(workshop)
    if results is None:
        return _busy()
    body = json.dumps(results, ensure_ascii=False, indent=1)
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


# What an upload form adds around the archive file (its other fields, the multipart framing):
# a body longer than the limit plus this is refused before it is read. deploy/nginx.conf leaves
# at least this much room too.
FORM_ROOM = 64 * 1024

# One import at a time per process: each runs in a child process of a few hundred megabytes.
_importing = threading.Semaphore(1)


@login_required
@require_http_methods(["GET", "POST"])
def archive_import(request: HttpRequest) -> HttpResponse:
    context = {"max_mb": max_bytes() // (1024 * 1024)}
    if request.method == "GET":
        return render(request, "exports/import.html", context)
    if not throttle.allow(f"import:{request.user.pk}", settings.UPSERVE_IMPORTS_PER_FACILITATOR):
        count, seconds = settings.UPSERVE_IMPORTS_PER_FACILITATOR
        problem = _("You have imported %(count)s archives in the last %(minutes)s minutes; try "
                    "again later.") % {"count": count, "minutes": seconds // 60}  # fmt: skip
        return _refused(request, context, problem, 429)
    if not _importing.acquire(blocking=False):
        problem = _("Another archive is being imported here; try again in a minute.")
        return _refused(request, context, problem, 503)
    try:
        # Twice the time limit: whatever is still empty by then has no import watching it.
        discard_abandoned(request.user, 2 * settings.UPSERVE_IMPORT_SECONDS)
        workshop = _imported(request, context)
    except ArchiveError as problem:
        return _refused(request, context, str(problem), 400)
    finally:
        _importing.release()
    url = reverse("console_run", args=[workshop.code])
    if _wants_json(request):
        return JsonResponse({"ok": True, "code": workshop.code, "url": url})
    return render(request, "exports/import.html", {**context, "imported": workshop, "url": url})


def _imported(request: HttpRequest, context: dict) -> Workshop:
    too_big = ArchiveError(
        _("The file is too big: archives may be at most %(mb)s MB.") % {"mb": context["max_mb"]}
    )
    # Said before the body is read, when its length says so already.
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes() + FORM_ROOM:
        raise too_big
    upload = request.FILES.get("archive")
    if upload is None:
        raise ArchiveError(_("Choose an archive file to import."))
    if upload.size > max_bytes():
        raise too_big
    if hasattr(upload, "temporary_file_path"):  # a big upload is on disk already
        return import_file(upload.temporary_file_path(), request.user)
    with tempfile.NamedTemporaryFile(prefix="upserve-import-", suffix=".json") as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        return import_file(copy.name, request.user)


def _refused(request: HttpRequest, context: dict, problem: str, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": problem}, status=status)
    return render(request, "exports/import.html", {**context, "error": problem}, status=status)


@login_required
def cohort_list(request: HttpRequest) -> HttpResponse:
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
