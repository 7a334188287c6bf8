"""Real servers for the benchmark: Redis, PostgreSQL and Daphne on free loopback ports, each in a
temporary directory, stopped at the end. The process helpers are tests/servers.py's;
the servers themselves are tuned for load (more clients, fsync on).

``project_shape`` starts the project in the embedded shape (one Daphne, SQLite in a temporary
UPSERVE_VAR_DIR, no Redis) or the production shape (N Daphne processes, Redis, PostgreSQL);
``bare_shape`` starts the minimal Channels app of bench/bare/ with the channel layer of that shape
(in-memory, or channels_redis on the same Redis)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import _as_postgres, _pg_bin, free_port, port_open, stop, wait_for

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
# Where servers run from: the working tree, or a frozen copy of it (``freeze_source``) so that a
# whole run measures one version of the code while others keep editing it.
SOURCE = ROOT
PASSWORD = "bench facilitator passphrase 7"
USERNAME = "bench"

# Join throttles raised for the server under test: every phone of the benchmark joins from
# 127.0.0.1, which a venue never does.
THROTTLES_OFF = {
    "JOINS_PER_ADDRESS": "100000000",
    "JOINS_PER_WORKSHOP": "100000000",
    "CODE_MISSES_PER_ADDRESS": "100000000",
    "SOCKETS_PER_ADDRESS": "100000000",
}


def freeze_source(dest: Path) -> dict:
    """Copy the project's files (tracked, plus untracked ones not ignored) to ``dest`` and serve
    from there. Returns what was measured: the commit and the uncommitted changes."""
    global SOURCE

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    names = [n for n in git("ls-files", "-co", "--exclude-standard", "-z").split("\0") if n]
    digest = hashlib.sha256()
    for name in sorted(names):
        if name.startswith(("bench/results/", ".venv/", "var/")):
            continue
        source = ROOT / name
        if not source.is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        if not name.startswith("bench/"):
            digest.update(name.encode() + b"\0" + source.read_bytes())
    SOURCE = dest
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip(),
        "uncommitted": [
            line[3:]
            for line in git("status", "--porcelain").splitlines()
            if not line[3:].startswith(("bench/", "bin/bench"))
        ],
        "tree_sha256": digest.hexdigest()[:16],
        "frozen_copy": str(dest),
    }


# -- Redis ----------------------------------------------------------------------------------------


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="upserve-bench-redis-")
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.workdir,
             "--save", "", "--appendonly", "no", "--protected-mode", "no", "--maxclients", "10000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), "redis-server")

    def close(self) -> None:
        if self.process is not None:
            stop(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


# -- PostgreSQL -----------------------------------------------------------------------------------


class PostgresServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="upserve-bench-pg-"))
        self.data = self.workdir / "data"
        self.process: subprocess.Popen | None = None
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        as_user = (
            {"user": "postgres", "group": "postgres", "extra_groups": []}
            if os.geteuid() == 0
            else {}
        )
        # fsync stays on (the default): acknowledge-after-commit is part of what is measured.
        self.process = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
             "-k", str(self.workdir), "-c", "max_connections=200"],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), "postgres")
        wait_for(
            lambda: subprocess.run(
                [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            ).returncode == 0,
            "postgres accepting connections",
        )  # fmt: skip

    def new_database(self, name: str) -> str:
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
        )  # fmt: skip
        return self.url(name)

    def close(self) -> None:
        if self.process is not None:
            stop(self.process, signal.SIGINT)
        shutil.rmtree(self.workdir, ignore_errors=True)


# -- Daphne ---------------------------------------------------------------------------------------


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=SOURCE, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


class Daphne:
    """One Daphne process serving ``app`` with ``env`` on a fixed loopback port; can be stopped
    and started again on the same port (the reconnect storm restarts it)."""

    def __init__(self, env: dict, app: str, log_dir: Path, name: str) -> None:
        self.env, self.app, self.name = env, app, name
        self.port = free_port()
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def start(self, wait: bool = True) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"\n----- daphne {self.name} starting on port {self.port} -----\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), self.app],
                cwd=SOURCE, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        if wait:
            self.wait_healthy()

    def healthy(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"daphne {self.name} exited: {self.log_tail()}")
        try:
            return urllib.request.urlopen(f"{self.url}/healthz", timeout=2).status == 200
        except OSError:
            return False

    def wait_healthy(self, timeout: float = 60.0) -> None:
        wait_for(self.healthy, f"daphne {self.name} on port {self.port}", timeout, 0.05)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None:
            stop(self.process, sig)


@dataclass
class Shape:
    """Running servers: the Daphne processes and whatever else was started for them."""

    kind: str  # "embedded" or "production"
    daphnes: list[Daphne]
    env: dict
    extra_pids: dict = field(default_factory=dict)  # label -> callable returning a pid

    @property
    def bases(self) -> list[str]:
        return [d.url for d in self.daphnes]


def _base_env(run_dir: Path, **overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {"SECRET_KEY": "bench-" + "k" * 50, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "ERROR"},
        **THROTTLES_OFF,
    )
    env.update(overrides)
    return env


@contextmanager
def services(kind: str, run_dir: Path):
    """Redis and PostgreSQL for the production shape (nothing for the embedded one). Yields a
    dict with ``redis`` and ``postgres`` (or None), shared by the project and the bare app."""
    with ExitStack() as stack:
        found = {"redis": None, "postgres": None}
        if kind == "production":
            redis = RedisServer()
            stack.callback(redis.close)
            redis.start()
            pg = PostgresServer()
            stack.callback(pg.close)
            pg.start()
            found = {"redis": redis, "postgres": pg}
        yield found


@contextmanager
def project_shape(kind: str, processes: int, run_dir: Path, name: str, svc: dict):
    """Start the project: embedded (one Daphne, SQLite, in-memory layer) or production (N Daphne
    processes sharing Redis and PostgreSQL). Migrates and creates the facilitator first."""
    var_dir = Path(tempfile.mkdtemp(prefix="upserve-bench-var-"))
    daphnes: list[Daphne] = []
    try:
        ports_env = {"UPSERVE_VAR_DIR": str(var_dir)}
        extra = {}
        if kind == "production":
            redis, pg = svc["redis"], svc["postgres"]
            ports_env["DATABASE_URL"] = pg.new_database(name.replace("-", "_"))
            ports_env["REDIS_URL"] = redis.url(0)
            extra = {"redis": lambda: redis.process.pid, "postgres": lambda: pg.process.pid}
        env = _base_env(run_dir, **ports_env)
        daphnes = [
            Daphne(env, "workshop.asgi:application", run_dir, f"{name}-daphne{i}")
            for i in range(processes)
        ]
        env["PUBLIC_URL"] = daphnes[0].url
        manage(env, "migrate", "-v0")
        manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
               "--username", USERNAME, "--email", "bench@example.org")  # fmt: skip
        for d in daphnes:
            d.start(wait=False)
        for d in daphnes:
            d.wait_healthy()
        yield Shape(kind, daphnes, env, extra)
    finally:
        for d in daphnes:
            d.stop()
        shutil.rmtree(var_dir, ignore_errors=True)


@contextmanager
def bare_shape(kind: str, processes: int, run_dir: Path, name: str, svc: dict):
    """Start the bare Channels app of bench/bare/ on the channel layer of ``kind``'s shape."""
    var_dir = Path(tempfile.mkdtemp(prefix="upserve-bench-bare-"))
    daphnes: list[Daphne] = []
    try:
        overrides = {"DJANGO_SETTINGS_MODULE": "bench.bare.settings", "BARE_VAR_DIR": str(var_dir)}
        extra = {}
        if kind == "production":
            overrides["REDIS_URL"] = svc["redis"].url(1)
            extra = {"redis": lambda: svc["redis"].process.pid}
        env = _base_env(run_dir, **overrides)
        daphnes = [
            Daphne(env, "bench.bare.asgi:application", run_dir, f"{name}-bare{i}")
            for i in range(processes)
        ]
        for d in daphnes:
            d.start(wait=False)
        for d in daphnes:
            d.wait_healthy()
        yield Shape(kind, daphnes, env, extra)
    finally:
        for d in daphnes:
            d.stop()
        shutil.rmtree(var_dir, ignore_errors=True)
