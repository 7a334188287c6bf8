"""Daphne hands a request's body to Django in pieces and Django's own parser spools an upload to
disk; but Twisted, under Daphne, first parses every ``multipart/form-data`` body itself (into
``request.args``, which Daphne never reads), all in memory with the ``email`` package and in the
reactor's thread. Measured (issue 12, A2): a 26 MB archive upload, or 26 MB posted to any
address, raised the serving process's peak by 300 MB and held every socket while it ran (8 MB:
100 MB; tests/workshop/test_archive_process.py posts 8 MB and keeps the rise under twice that).

Twisted lets a request opt out of that parse; Daphne does not ask and offers no setting for its
request class, so the module attribute its ``HTTPFactory`` builds requests from is replaced here,
on import of the ASGI module (which Daphne imports before it serves anything).
tests/workshop/test_forks_pinned.py fails when Daphne or Twisted changes under it."""

from __future__ import annotations

import inspect

from daphne import http_protocol
from twisted.web import http


class WebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)


def install() -> bool:
    """Daphne builds each request from this module attribute; an older Twisted without the
    option keeps its behaviour."""
    if "parsePOSTFormSubmission" not in inspect.signature(http.Request.__init__).parameters:
        return False
    http_protocol.WebRequest = WebRequest
    return True
