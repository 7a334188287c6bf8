"""With a service configured but unreachable, the server refuses to start in one line."""

import subprocess

from tests.servers import PYTHON, ROOT, free_port, server_env


def start(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PYTHON), "-c", "import workshop.asgi"],
        cwd=ROOT, env=server_env(**env), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_it_refuses_to_start_when_postgresql_is_unreachable(tmp_path):
    port = free_port()
    result = start(
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/upserve", UPSERVE_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"upserve: cannot reach PostgreSQL at 127.0.0.1:{port}"
    )


def test_it_refuses_to_start_when_redis_is_unreachable(tmp_path):
    port = free_port()
    result = start(REDIS_URL=f"redis://127.0.0.1:{port}/0", UPSERVE_VAR_DIR=str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"upserve: cannot reach Redis at 127.0.0.1:{port}"
    )
