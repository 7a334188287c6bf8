"""Real servers for fault tests, each of which a test may stop, kill and start again.

One Redis and one PostgreSQL serve the whole session; every test gets a fresh database (a copy of
a migrated template, with the facilitator already in it) and its own two Daphne processes."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.faults.game import PASSWORD
from tests.servers import (
    Daphne,
    PostgresServer,
    RedisServer,
    free_port,
    manage,
    restartable_postgres,
    restartable_redis,
    server_env,
    start_all,
)

TEMPLATE = "upserve_template"

# A hundred simulated phones join from one loopback address: lift the per-address join limits
# (a real room's phones come from many addresses). Everything else keeps its defaults.
MANY_PHONES = {
    "JOINS_PER_ADDRESS": "100000",
    "JOINS_PER_WORKSHOP": "100000",
    "CODE_LOOKUPS_PER_ADDRESS": "100000",
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _failed(request) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is not None and report.failed


def _dump_logs(servers: list[Daphne]) -> None:
    for server in servers:
        sys.stderr.write(f"\n===== daphne :{server.port} log (tail) =====\n")
        sys.stderr.write(server.log_text()[-6000:])


def log_problems(*servers: Daphne) -> dict[str, int]:
    """The distinct exceptions (last line of each traceback) in the servers' logs, counted."""
    found: dict[str, int] = {}
    for server in servers:
        lines = server.log_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                j = i + 1
                while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                    j += 1
                if j < len(lines):
                    key = lines[j][:160]
                    found[key] = found.get(key, 0) + 1
    return found


@dataclass
class Services:
    redis: RedisServer
    pg: PostgresServer


@pytest.fixture(scope="session")
def services():
    """A restartable Redis and PostgreSQL, and a migrated template database."""
    with restartable_redis() as redis, restartable_postgres() as pg:
        var = tempfile.mkdtemp(prefix="upserve-faults-")
        env = server_env(DATABASE_URL=pg.new_database(name=TEMPLATE), UPSERVE_VAR_DIR=var)
        manage(env, "migrate", "-v0")
        manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
               "--username", "fiona", "--email", "fiona@example.org")  # fmt: skip
        yield Services(redis, pg)
        shutil.rmtree(var, ignore_errors=True)


@dataclass
class Cluster:
    """The production shape: two Daphne processes sharing Redis and PostgreSQL."""

    redis: RedisServer
    pg: PostgresServer
    database_url: str
    a: Daphne
    b: Daphne

    @property
    def bases(self) -> list[str]:
        return [self.a.url, self.b.url]

    def log(self, code: str) -> dict[int, tuple[str, dict]]:
        """The workshop's event log, read straight from PostgreSQL: seq -> (type, data)."""
        with psycopg.connect(self.database_url) as db:
            rows = db.execute(
                "SELECT e.seq, e.type, e.data FROM game_event e"
                " JOIN workshop_workshop w ON w.id = e.workshop_id"
                " WHERE w.code = %s ORDER BY e.seq",
                (code,),
            ).fetchall()
        return {seq: (type_, data) for seq, type_, data in rows}


@pytest.fixture
def cluster(services, request):
    url = services.pg.new_database(template=TEMPLATE)
    var = tempfile.mkdtemp(prefix="upserve-faults-")
    port_a, port_b = free_port(), free_port()
    env = server_env(
        DATABASE_URL=url,
        REDIS_URL=services.redis.url,
        UPSERVE_VAR_DIR=var,
        PUBLIC_URL=f"http://127.0.0.1:{port_a}",
        **MANY_PHONES,
    )
    a, b = Daphne(env, port_a), Daphne(env, port_b)
    try:
        start_all(a, b)
        yield Cluster(services.redis, services.pg, url, a, b)
    finally:
        if _failed(request):
            _dump_logs([a, b])
        a.close()
        b.close()
        # A test that stopped a service leaves it running for the next one.
        services.redis.start()
        services.pg.start()
        shutil.rmtree(var, ignore_errors=True)


@dataclass
class Embedded:
    """The zero-config default: one Daphne process, SQLite (WAL) and its secret key in var/."""

    var: Path
    server: Daphne

    @property
    def bases(self) -> list[str]:
        return [self.server.url]

    def log(self, code: str) -> dict[int, tuple[str, dict]]:
        db = sqlite3.connect(self.var / "upserve.sqlite3", timeout=20)
        try:
            rows = db.execute(
                "SELECT e.seq, e.type, e.data FROM game_event e"
                " JOIN workshop_workshop w ON w.id = e.workshop_id"
                " WHERE w.code = ? ORDER BY e.seq",
                (code,),
            ).fetchall()
        finally:
            db.close()
        return {seq: (type_, json.loads(data)) for seq, type_, data in rows}


@pytest.fixture
def embedded(request):
    var = Path(tempfile.mkdtemp(prefix="upserve-embedded-"))
    port = free_port()
    env = server_env(UPSERVE_VAR_DIR=str(var), PUBLIC_URL=f"http://127.0.0.1:{port}", **MANY_PHONES)
    env.pop("SECRET_KEY")  # the embedded default keeps its own key in var/
    manage(env, "migrate", "-v0")
    manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
           "--username", "fiona", "--email", "fiona@example.org")  # fmt: skip
    server = Daphne(env, port)
    try:
        server.start()
        yield Embedded(var, server)
    finally:
        if _failed(request):
            _dump_logs([server])
        server.close()
        shutil.rmtree(var, ignore_errors=True)
