"""Each archive import of the web app runs in a short-lived child process of its own.

Parsing and checking an archive is CPU-bound and, at the upload limit, costs a few hundred
megabytes; in the serving process it would hold the GIL against every room's socket for seconds
and leave its memory in Python's heap for good. A child process (``workshop.import_child``) does
the whole import instead: it sets up Django, opens its own database connection, parses, checks and
writes the archive (``workshop.archive``), tells its parent the new room's code or the sentence
that refuses it, and ends, giving its memory back to the system. It runs under an address-space
limit (``UPSERVE_IMPORT_MEMORY_MB``) and a wall-clock limit (``UPSERVE_IMPORT_SECONDS``), past
which it is killed and what it wrote is deleted.

The two talk over the child's stdout, one JSON object a line: ``{"started": [workshop_id,
deck_id]}`` (sent before those rows are committed, so that a killed import can be cleaned up),
then ``{"imported": code}``, ``{"refused": sentence}`` or ``{"out_of_memory": true}``. The
child's stderr is the server's, so its tracebacks land in the server's log.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from workshop.archive import ArchiveError, discard_unfinished, import_archive, parse
from workshop.import_child import CONFIG  # the parent's settings the child must share, as JSON
from workshop.models import Workshop

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


def import_file(path: str, owner) -> Workshop:
    """Import the archive at ``path`` as a new workshop of ``owner``, in a child process; raise
    ``ArchiveError`` with the sentence for the person importing it if it is not imported."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # No other process can open a database held in this one's memory (the test suite's).
        with open(path, "rb") as source:
            return import_archive(parse(source), owner)
    config = {
        "database": str(connection.settings_dict["NAME"]),
        "memory_mb": settings.UPSERVE_IMPORT_MEMORY_MB,
        "max_bytes": settings.UPSERVE_ARCHIVE_MAX_BYTES,
        "limits": getattr(settings, "UPSERVE_ARCHIVE_LIMITS", {}),
    }
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        CONFIG: json.dumps(config),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "workshop.import_child", path, str(owner.pk)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    seconds = settings.UPSERVE_IMPORT_SECONDS
    try:
        out, _err = child.communicate(timeout=seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        child.kill()
        out, _err = child.communicate()
        timed_out = True
    except BaseException:  # the request itself was cut short: the child must not outlive it
        child.kill()
        child.wait()
        raise
    said = _messages(out)
    if "imported" in said:  # complete, even if the clock ran out as it said so
        return Workshop.objects.get(code=said["imported"])
    if "started" in said:
        workshop_id, deck_id = said["started"]
        discard_unfinished(workshop_id, deck_id, owner)
    if timed_out:
        raise ArchiveError(_timed_out(seconds))
    if "refused" in said:
        raise ArchiveError(said["refused"])
    if not said.get("out_of_memory"):
        log.error("the import process ended with status %s and no answer", child.returncode)
    raise ArchiveError(_out_of_memory(said.get("out_of_memory", False)))


def _timed_out(seconds: float) -> str:
    sentence = _(
        "The import took longer than %(seconds)s seconds, the most this server gives one, and "
        "was stopped; nothing was kept."
    )
    return sentence % {"seconds": f"{seconds:g}"}


def _out_of_memory(certain: bool) -> str:
    if certain:
        sentence = _(
            "The import needed more than %(mb)s MB of memory, the most this server gives one, "
            "and was stopped; nothing was kept."
        )
    else:  # killed by the system, or a C library could not allocate: most likely memory too
        sentence = _(
            "The import stopped before it finished (it may have needed more than %(mb)s MB of "
            "memory, the most this server gives one); nothing was kept."
        )
    return sentence % {"mb": settings.UPSERVE_IMPORT_MEMORY_MB}


def _messages(out: bytes) -> dict:
    said: dict = {}
    for line in out.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill
        if isinstance(message, dict):
            said.update(message)
    return said
