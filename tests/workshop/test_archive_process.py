"""An import of the web app runs in a child process of its own, on a real server: the serving
process does not grow by the archive's fold, a child over its memory limit or its time is
stopped with a sentence, and what it wrote is deleted.

Each test starts Daphne on a migrated SQLite file of its own (a child process cannot open the
test suite's in-memory database) and reads that file directly to see what is left."""

from __future__ import annotations

import json
import re
import sqlite3
import tempfile
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from game.models import Event, Game
from tests.e2e.wire import Browser, log_in
from tests.servers import Daphne, manage, server_env, wait_for
from workshop.archive import discard_unfinished, import_archive, parse
from workshop.models import Deck, Workshop

from . import archives

PASSWORD = "a long importer passphrase"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def site():
    """A migrated database file with a facilitator, fiona; yields its folder."""
    folder = tempfile.mkdtemp(prefix="upserve-import-")
    env = server_env(UPSERVE_VAR_DIR=folder)
    manage(env, "migrate", "-v0")
    manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
           "--username", "fiona", "--email", "fiona@example.org")  # fmt: skip
    return Path(folder)


@contextmanager
def serving(site: Path, **settings: str):
    server = Daphne(server_env(UPSERVE_VAR_DIR=str(site), **settings))
    try:
        server.start()
        yield server
    finally:
        server.close()


def _upload(browser: Browser, raw: bytes) -> tuple[int, dict]:
    _, page = browser.get("/archives/import/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fence = "upserve-test-fence"
    body = (
        (
            f'--{fence}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{token}\r\n--{fence}\r\nContent-Disposition: form-data; name="archive"; '
            'filename="archive.json"\r\nContent-Type: application/json\r\n\r\n'
        ).encode()
        + raw
        + f"\r\n--{fence}--\r\n".encode()
    )
    request = urllib.request.Request(
        browser.base + "/archives/import/",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={fence}",
            "Accept": "application/json",
            "Referer": browser.base + "/archives/import/",
        },
    )
    try:
        with browser.opener.open(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _rows(site: Path) -> tuple[int, int, int]:
    with sqlite3.connect(site / "upserve.sqlite3") as db:
        return tuple(
            db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("workshop_workshop", "game_event", "workshop_deck")
        )


def _memory(pid: int) -> dict[str, int]:
    """Resident memory now and at its peak (VmRSS, VmHWM), in bytes."""
    status = Path(f"/proc/{pid}/status").read_text()
    return {
        k: int(v.split()[0]) * 1024 for k, v in re.findall(r"^(VmRSS|VmHWM):(.*)$", status, re.M)
    }


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (name) state ppid ...: the name may hold spaces, never a ")".
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def test_an_import_runs_in_a_child_process_and_the_server_does_not_grow_by_its_fold(site):
    # About 6 MB of a played workshop: folded in the serving process, as before, its import
    # raised the process's peak by five times that.
    raw = archives.text(archives.played(people=2000, teams=20, rounds=3))
    with serving(site) as server:
        fiona = log_in(server.url, "fiona", PASSWORD)
        assert _upload(fiona, archives.text(archives.played(people=4, teams=2, rounds=1)))[0] == 200
        before = _memory(server.pid)
        status, answer = _upload(fiona, raw)
        after = _memory(server.pid)
    assert status == 200 and answer["ok"]
    with sqlite3.connect(site / "upserve.sqlite3") as db:
        last_seq = db.execute(
            "SELECT g.last_seq FROM game_game g JOIN workshop_workshop w ON w.id = g.workshop_id"
            " WHERE w.code = ?",
            (answer["code"],),
        ).fetchone()[0]
    assert last_seq == len(json.loads(raw)["events"])
    assert after["VmHWM"] - before["VmHWM"] < len(raw) * 2  # the upload passes through, no more


def test_a_form_upload_to_any_address_is_not_parsed_in_memory_by_the_server_beneath_django(site):
    # Twisted, under Daphne, parsed every multipart body with the email package before Django saw
    # it: 8 MB posted by anyone, logged in or not, raised the process's peak by 100 MB.
    fence = "upserve-test-fence"
    body = (
        (
            f'--{fence}\r\nContent-Disposition: form-data; name="archive"; filename="a.json"\r\n\r\n'
        ).encode()
        + b"x" * (8 * MB)
        + f"\r\n--{fence}--\r\n".encode()
    )
    with serving(site) as server:
        before = _memory(server.pid)
        request = urllib.request.Request(
            server.url + "/healthz",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={fence}"},
        )
        with pytest.raises(urllib.error.HTTPError):  # 403: no CSRF token
            urllib.request.urlopen(request, timeout=60)
        after = _memory(server.pid)
    assert after["VmHWM"] - before["VmHWM"] < len(body) * 2


def test_a_refused_archive_is_answered_with_the_childs_sentence(site):
    document = archives.played(people=4, teams=2, rounds=1)
    document["events"][3]["seq"] = 7
    with serving(site) as server:
        before = _rows(site)
        status, answer = _upload(log_in(server.url, "fiona", PASSWORD), archives.text(document))
    assert status == 400
    assert answer["error"] == (
        "The log's seqs must run 1, 2, 3… without gaps: expected #4 at events[3], found 7."
    )
    assert _rows(site) == before


def _flooded(megabytes: int) -> bytes:
    """A valid archive carrying a list of short strings: each costs twelve times its size."""
    text = archives.text(archives.played(people=4, teams=2, rounds=1))
    count = megabytes * MB // 5
    return text[:-1] + b', "extra": [' + b",".join([b'"ab"'] * count) + b"]}"


def test_an_import_beyond_its_memory_is_stopped_with_a_sentence_and_leaves_nothing(site):
    with serving(site, IMPORT_MEMORY_MB="200") as server:
        fiona = log_in(server.url, "fiona", PASSWORD)
        before = _rows(site)
        status, answer = _upload(fiona, _flooded(12))
        assert _rows(site) == before
        # A real archive fits in the same limit.
        fine = _upload(fiona, archives.text(archives.played(people=300, teams=6, rounds=2)))
    assert status == 400
    assert "needed more than 200 MB of memory" in answer["error"]
    assert "nothing was kept" in answer["error"]
    assert fine[0] == 200 and fine[1]["ok"]


def test_an_import_past_its_time_is_killed_and_what_it_wrote_is_deleted(site):
    raw = archives.text(archives.played(people=1000, teams=10, rounds=3))
    before = _rows(site)
    with serving(site, IMPORT_SECONDS="10") as server:
        fiona = log_in(server.url, "fiona", PASSWORD)
        answers = []
        upload = threading.Thread(target=lambda: answers.append(_upload(fiona, raw)))
        upload.start()
        with sqlite3.connect(site / "upserve.sqlite3", timeout=30, isolation_level=None) as db:

            def writing() -> bool:
                # The new room is committed, empty, before its log goes in batch by batch.
                return (
                    db.execute(
                        "SELECT COUNT(*) FROM game_event e JOIN game_game g"
                        " ON g.workshop_id = e.workshop_id WHERE g.last_seq = 0"
                    ).fetchone()[0]
                    > 0
                )

            wait_for(writing, "the import's first rows", timeout=60, interval=0.005)
            db.execute("BEGIN IMMEDIATE")  # the child waits for the write lock, past its time
            assert writing()  # and it has not finished meanwhile
            wait_for(lambda: not _children(server.pid), "the child to be killed", timeout=60)
            db.execute("ROLLBACK")
        upload.join(60)
    status, answer = answers[0]
    assert status == 400 and answer["error"] == (
        "The import took longer than 10 seconds, the most this server gives one, and was "
        "stopped; nothing was kept."
    )
    assert _rows(site) == before


def test_the_proxy_waits_for_an_import_longer_than_the_import_may_take(settings):
    nginx = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    block = re.search(r"location = /archives/import/ \{(.*?)\}", nginx, re.S).group(1)
    waits = int(re.search(r"proxy_read_timeout (\d+)s;", block).group(1))
    assert waits > settings.UPSERVE_IMPORT_SECONDS
    assert "X-Forwarded-For $remote_addr;" in block  # the same trusted address as elsewhere


# -- in this process: what a killed import's parent deletes ----------------------------------


@pytest.mark.django_db
def test_the_parent_deletes_a_killed_imports_rows_and_nothing_else(fiona, workshop):
    raw = archives.text(archives.played(people=4, teams=2, rounds=1))
    started = []
    import_archive(parse(raw), fiona, started=lambda w, d: started.append((w, d)))
    finished = Workshop.objects.get(pk=started[0][0])
    assert not discard_unfinished(*started[0], fiona)  # finished: not the killed import's
    Game.objects.filter(pk=finished.pk).update(last_seq=0)  # as a killed import leaves it
    assert not discard_unfinished(workshop.pk, workshop.deck_id, fiona)  # a room in play
    assert not discard_unfinished(*started[0], workshop.owner.__class__(pk=0))  # not the owner
    assert discard_unfinished(*started[0], fiona)
    assert not Workshop.objects.filter(pk=finished.pk).exists()
    assert not Deck.objects.filter(pk=started[0][1]).exists()
    assert not Event.objects.filter(workshop_id=finished.pk).exists()
    assert Workshop.objects.filter(pk=workshop.pk).exists()


@pytest.mark.django_db
def test_an_import_abandoned_by_a_killed_server_is_deleted_by_the_next_import(
    fiona, workshop, client
):
    """A server killed while its child imported leaves an empty room behind; nothing else
    watches it, so the facilitator's next import clears it once it is past any time limit."""
    raw = archives.text(archives.played(people=4, teams=2, rounds=1))
    started = []
    import_archive(parse(raw), fiona, started=lambda w, d: started.append((w, d)))
    abandoned = Workshop.objects.filter(pk=started[0][0])
    abandoned.update(created_at=timezone.now() - timedelta(hours=1))
    Game.objects.filter(pk=started[0][0]).update(last_seq=0)
    client.force_login(fiona)
    answer = client.post("/archives/import/", {"archive": ContentFile(raw, name="a.json")})
    assert answer.status_code == 200
    assert not abandoned.exists()
    assert not Event.objects.filter(workshop_id=started[0][0]).exists()
    assert Workshop.objects.filter(pk=workshop.pk).exists()  # a room in play is left alone
    assert Workshop.objects.filter(owner=fiona).count() == 2  # it and the new import
