"""The child process of an archive import (see ``workshop.import_worker``): ``python -m
workshop.import_child <archive path> <owner id>``. Its memory is capped before Django is even
loaded, so nothing it does can take more than the server allows it."""

from __future__ import annotations

import json
import os
import resource
import sys

CONFIG = "UPSERVE_IMPORT_CHILD"  # set by workshop.import_worker
MB = 1024 * 1024


def _limit_memory(mb: int) -> None:
    """Address space, not resident memory: the only limit the kernel enforces on one process
    without cgroups. A Python process with Django loaded maps about 90 MB of it."""
    limit = mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(path: str, owner_id: int) -> int:
    config = json.loads(os.environ[CONFIG])
    _limit_memory(config["memory_mb"])
    os.nice(5)  # the rooms' own process comes first when the cores are busy
    messages = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # anything else printed goes to the server's log

    def say(**message) -> None:
        messages.write(json.dumps(message) + "\n")
        messages.flush()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    from workshop.archive import ArchiveError, import_archive, parse

    connection.settings_dict["NAME"] = config["database"]
    # One connection is all an import needs, not the server's pool.
    connection.settings_dict.get("OPTIONS", {}).pop("pool", None)
    settings.UPSERVE_ARCHIVE_MAX_BYTES = config["max_bytes"]
    settings.UPSERVE_ARCHIVE_LIMITS = config["limits"]

    archive = None
    out_of_memory = False
    try:
        owner = get_user_model().objects.get(pk=owner_id)
        with open(path, "rb") as source:
            archive = parse(source)
        workshop = import_archive(archive, owner, started=lambda w, d: say(started=[w, d]))
        say(imported=workshop.code)
    except ArchiveError as problem:
        say(refused=str(problem))
    except MemoryError:
        out_of_memory = True  # said once the exception, and what it holds on to, is let go
    if out_of_memory:
        archive = None
        say(out_of_memory=True)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
