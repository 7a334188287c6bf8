"""Real servers for tests: Redis, PostgreSQL and Daphne, each in a temporary directory on a free
loopback port, stopped when the test is done. Nothing here mocks our infrastructure.

Each server is also available as a handle that a fault test can stop, kill and start again on the
same port and data directory: ``RedisServer``, ``PostgresServer`` and ``Daphne``. The context
managers ``redis_server``, ``postgres_server`` and ``daphne`` wrap them for the simple case."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, what: str, timeout: float = 30.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} did not come up within {timeout} s")


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- Redis ----------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server on a fixed loopback port that can be stopped and started again.
    It keeps nothing on disk, so a restart comes back empty, like a crashed cache."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = tempfile.mkdtemp(prefix="upserve-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.workdir,
             "--save", "", "--appendonly", "no", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), "redis-server")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it (SIGTERM: a clean shutdown; SIGKILL: a crash). Returns once the port is closed."""
        if self.process is not None:
            stop(self.process, sig)
        wait_for(lambda: not port_open(self.port), "redis-server shutdown", timeout=15)

    def close(self) -> None:
        if self.process is not None:
            stop(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def redis_server():
    """Yields a redis:// URL of a fresh redis-server."""
    with restartable_redis() as server:
        yield server.url


@contextmanager
def restartable_redis():
    """Yields a running ``RedisServer`` handle."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


# -- PostgreSQL -----------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package provides the postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory on a fixed loopback port. ``stop`` shuts it
    down (fast: open sessions are cut, as in a restart by an operator) and ``start`` brings the
    same data back on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="upserve-pg-"))
        self.data = self.workdir / "data"
        self.process: subprocess.Popen | None = None
        self.created = 0
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        if self.running:
            return
        # Started as the postgres user directly (not through runuser), so that a signal sent to
        # this process reaches the postmaster itself.
        as_user = (
            {"user": "postgres", "group": "postgres", "extra_groups": []}
            if os.geteuid() == 0
            else {}
        )
        self.process = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
             "-k", str(self.workdir), "-c", "fsync=off", "-c", "max_connections=200"],
            cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **as_user,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), "postgres")
        wait_for(
            lambda: subprocess.run(
                [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            ).returncode == 0,
            "postgres accepting connections",
        )  # fmt: skip

    def stop(self, sig: int = signal.SIGINT) -> None:
        """SIGINT: fast shutdown (cuts sessions, checkpoints). SIGQUIT: immediate (a crash)."""
        if self.process is not None:
            stop(self.process, sig)
        wait_for(lambda: not port_open(self.port), "postgres shutdown", timeout=15)

    def new_database(self, template: str | None = None, name: str | None = None) -> str:
        """Create a database (optionally a copy of ``template``) and return its URL."""
        if name is None:
            self.created += 1
            name = f"upserve_{self.created}"
        extra = ["-T", template] if template else []
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *extra, name],
            check=True,
        )  # fmt: skip
        return self.url(name)

    def close(self) -> None:
        if self.process is not None:
            stop(self.process, signal.SIGINT)
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def restartable_postgres():
    """Yields a running ``PostgresServer`` handle."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


@contextmanager
def postgres_server():
    """Yields a function that creates a fresh database and returns its postgres:// URL."""
    with restartable_postgres() as server:
        yield server.new_database


# -- Django management commands and Daphne --------------------------------------------------------


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def server_env(**overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"SECRET_KEY": "e2e-" + "k" * 50, "PYTHONUNBUFFERED": "1"}, **overrides)
    return env


class Daphne:
    """One Daphne process serving the project with ``env`` on a fixed loopback port. It can be
    killed (``kill``: SIGKILL by default) and started again on the same port; its output from
    every run is kept in one log file (``log_text``)."""

    def __init__(self, env: dict, port: int | None = None, args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.port = port or free_port()
        self.args = args
        fd, self.log_path = tempfile.mkstemp(prefix="upserve-daphne-", suffix=".log")
        os.close(fd)
        self.process: subprocess.Popen | None = None
        self.killed = False  # the last exit was asked for by the test

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        return Path(self.log_path).read_text(errors="replace")

    def start(self, wait: bool = True) -> None:
        if self.running:
            return
        with open(self.log_path, "ab") as log:
            log.write(f"\n----- daphne starting on port {self.port} -----\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "daphne", *self.args, "-b", "127.0.0.1", "-p", str(self.port), "workshop.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.killed = False
        if wait:
            self.wait_healthy()

    def healthy(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError(f"daphne exited: {self.log_text()[-2000:]}")
        try:
            return urllib.request.urlopen(f"{self.url}/healthz", timeout=1).status == 200
        except OSError:
            return False

    def wait_healthy(self, timeout: float = 30.0) -> None:
        wait_for(self.healthy, f"daphne on port {self.port}", timeout=timeout)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process (default: kill -9) and wait until it is gone."""
        if self.process is not None and self.process.poll() is None:
            self.killed = True
            self.process.send_signal(sig)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process is None:
            return
        stop(self.process)
        if not self.killed and self.process.returncode not in (0, -signal.SIGTERM, None):
            sys.stderr.write(self.log_text()[-4000:])

    def close(self) -> None:
        self.stop()
        os.unlink(self.log_path)


def start_all(*servers: Daphne) -> None:
    """Start several Daphne processes in parallel and wait until all serve."""
    for server in servers:
        server.start(wait=False)
    for server in servers:
        server.wait_healthy()


@contextmanager
def daphne(env: dict, port: int | None = None):
    """Yields the base URL of a Daphne process serving the project with ``env``."""
    server = Daphne(env, port)
    try:
        server.start()
        yield server.url
    finally:
        server.close()
