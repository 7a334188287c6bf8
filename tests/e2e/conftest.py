import tempfile

import pytest

from tests.servers import daphne, free_port, manage, postgres_server, redis_server, server_env

PASSWORD = "a long facilitator passphrase"


@pytest.fixture(scope="module")
def production_shape():
    """Two Daphne processes sharing a real Redis and a real PostgreSQL. Yields their base URLs."""
    with redis_server() as redis_url, postgres_server() as new_database:
        port_a, port_b = free_port(), free_port()
        env = server_env(
            DATABASE_URL=new_database(),
            REDIS_URL=redis_url,
            UPSERVE_VAR_DIR=tempfile.mkdtemp(prefix="upserve-e2e-"),
            PUBLIC_URL=f"http://127.0.0.1:{port_a}",
        )
        manage(env, "migrate", "-v0")
        manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
               "--username", "fiona", "--email", "fiona@example.org")  # fmt: skip
        with daphne(env, port_a) as a, daphne(env, port_b) as b:
            yield a, b
