"""Real servers for tests: Redis, PostgreSQL and Daphne, each in a temporary directory on a free
loopback port, stopped when the test is done. Nothing here mocks our infrastructure."""

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


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
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


@contextmanager
def redis_server():
    """Yields a redis:// URL of a fresh redis-server."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="upserve-redis-")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir,
         "--save", "", "--appendonly", "no", "--protected-mode", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: port_open(port), "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package provides the postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server():
    """Yields a function that creates a fresh database and returns its postgres:// URL."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="upserve-pg-"))
    data = workdir / "data"
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    subprocess.run(
        _as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    process = subprocess.Popen(
        _as_postgres([_pg_bin("postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1",
                      "-k", str(workdir), "-c", "fsync=off", "-c", "max_connections=200"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    created = 0

    def new_database() -> str:
        nonlocal created
        created += 1
        name = f"upserve_{created}"
        subprocess.run(
            [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", name],
            check=True,
        )
        return f"postgres://postgres@127.0.0.1:{port}/{name}"

    try:
        wait_for(lambda: port_open(port), "postgres")
        wait_for(
            lambda: subprocess.run(
                [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
            ).returncode == 0,
            "postgres accepting connections",
        )  # fmt: skip
        yield new_database
    finally:
        stop(process, signal.SIGINT)
        shutil.rmtree(workdir, ignore_errors=True)


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


@contextmanager
def daphne(env: dict, port: int | None = None):
    """Yields the base URL of a Daphne process serving the project with ``env``."""
    port = port or free_port()
    fd, log_path = tempfile.mkstemp(prefix="upserve-daphne-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(
            [str(PYTHON), "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "workshop.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited: {Path(log_path).read_text()[-2000:]}")
        try:
            return (
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
            )
        except OSError:
            return False

    try:
        wait_for(healthy, f"daphne on port {port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        if process.returncode not in (0, -signal.SIGTERM, None):
            sys.stderr.write(Path(log_path).read_text()[-4000:])
        os.unlink(log_path)
