"""Export → import on a fresh database → replay gives identical screens and scores.

The workshop is played in the test database; its archive is imported by ``manage.py
import_workshop`` in another process, into a new SQLite file of its own. That process then folds
the imported log one event at a time and reports what every viewer would have seen at every
seq, and the results export; both must equal what the original log gives here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from game import store
from game.core.evolve import evolve
from game.core.model import Role, State
from game.core.visibility import Viewer, personal_snapshot, public_snapshot, viewer_for
from game.models import Game
from tests.workshop.played import CAST, play
from workshop.exports import results
from workshop.models import Workshop

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def screens(code: str) -> dict:
    """What the screen, the facilitator and each of the cast saw at every seq, and the results
    export, from the log in this process's database."""
    workshop = Workshop.objects.get(code=code)
    state, steps = State(), []
    for x in store.events_after(workshop.pk, 0):
        evolve(state, x.event, x.seq)
        viewers = {"screen": Viewer(Role.SCREEN), "facilitator": Viewer(Role.FACILITATOR)}
        viewers.update({pid: viewer_for(state, Role.PARTICIPANT, pid) for pid in CAST})
        steps.append(
            {
                "seq": x.seq,
                "public": public_snapshot(state),
                **{name: personal_snapshot(state, v) for name, v in viewers.items()},
            }
        )
    exported = results(workshop)
    del exported["workshop"]["code"]
    return json.loads(json.dumps({"steps": steps, "results": exported}))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A migrated database of its own, with a facilitator called ines; yields a runner."""
    folder = tmp_path_factory.mktemp("fresh-server")
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH")
    }
    env.update(UPSERVE_VAR_DIR=str(folder), SECRET_KEY="archive-" + "k" * 50,
               DJANGO_SUPERUSER_PASSWORD="a long importer passphrase")  # fmt: skip

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if check and done.returncode:
            raise AssertionError(f"{args} failed:\n{done.stderr}")
        return done

    run("manage.py", "migrate", "-v0")
    run(
        "manage.py",
        "createsuperuser",
        "--noinput",
        "--username",
        "ines",
        "--email",
        "ines@example.org",
    )
    return run


def _rows(run) -> str:
    code = "from workshop.models import Workshop; from game.models import Event; print(Workshop.objects.count(), Event.objects.count())"
    return run("manage.py", "shell", "-c", code).stdout.strip()


def _screens_there(run, code: str) -> dict:
    script = (
        "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'workshop.settings');"
        "django.setup(); from tests.e2e.test_archive_roundtrip import screens;"
        f"print(json.dumps(screens({code!r})))"
    )
    return json.loads(run("-c", script).stdout)


def test_an_imported_archive_replays_to_identical_screens_and_scores(
    workshop, frozen_clock, fresh, tmp_path
):
    play(workshop, frozen_clock)
    archive = tmp_path / "archive.json"
    call_command("export_workshop", workshop.code, output=str(archive))

    imported = fresh("manage.py", "import_workshop", str(archive), "--owner", "ines")
    code = imported.stdout.strip()
    last_seq = Game.objects.get(pk=workshop.pk).last_seq
    assert code and code != workshop.code
    assert f"imported {last_seq}/{last_seq} events" in imported.stderr

    theirs, ours = _screens_there(fresh, code), screens(workshop.code)
    assert [s["seq"] for s in theirs["steps"]] == list(range(1, last_seq + 1))
    for mine, copy in zip(ours["steps"], theirs["steps"], strict=True):
        assert copy == mine, f"the screens differ at seq {mine['seq']}"
    assert theirs["results"] == ours["results"]
    assert ours["results"]["standings"][0]["total"] > 0  # a played game, not two empty ones


def test_a_tampered_or_broken_archive_fails_with_its_reason_and_changes_nothing(
    workshop, frozen_clock, fresh, tmp_path
):
    play(workshop, frozen_clock)
    archive = tmp_path / "archive.json"
    call_command("export_workshop", workshop.code, output=str(archive))
    document = json.loads(archive.read_text())
    vote = next(
        x for x in document["events"] if x["type"] == "vote_cast" and x["data"]["voter"] == "alice"
    )
    vote["data"]["team"] = "t1"  # Alice's own team
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    broken = tmp_path / "broken.json"
    broken.write_text(archive.read_text()[:-100])
    before = _rows(fresh)

    refused = fresh("manage.py", "import_workshop", str(tampered), "--owner", "ines", check=False)
    assert refused.returncode == 1
    assert f"event #{vote['seq']}: vote_cast would not have been accepted" in refused.stderr
    assert "own_team" in refused.stderr
    broken_run = fresh("manage.py", "import_workshop", str(broken), "--owner", "ines", check=False)
    assert broken_run.returncode == 1 and "not valid JSON" in broken_run.stderr
    assert _rows(fresh) == before
