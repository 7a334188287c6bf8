"""The production shape as deploy/ describes it: nginx terminating TLS in front of two Daphne
processes (with --proxy-headers) sharing Redis and PostgreSQL, a round played through it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

from tests.e2e.wire import Client, create_workshop, join, log_in, trusting_tls
from tests.servers import (
    ROOT,
    Daphne,
    free_port,
    manage,
    port_open,
    postgres_server,
    redis_server,
    server_env,
    start_all,
    stop,
    wait_for,
)
from workshop.models import CODE_ALPHABET

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "a long facilitator passphrase"
CARD = {
    "title": "Renewal",
    "customer": "A client",
    "situation": "Overbuying seats.",
    "ask": "What do you offer?",
}

MISSES = 5  # wrong room codes an address may try a minute, for this module's servers
FRONT: dict[str, str] = {}

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is installed by bin/test"),
]


def nginx_config(workdir: Path, tls_port: int, http_port: int, upstreams: list[int]) -> Path:
    """deploy/nginx.conf, as shipped, with this machine's ports, certificate and temp paths."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace(
        "    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;\n",
        "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams),
    )
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{tls_port} ssl http2;")
    site = site.replace("upserve.example.org", "localhost")
    site = site.replace("/etc/ssl/certs/upserve.pem", str(workdir / "cert.pem"))
    site = site.replace("/etc/ssl/private/upserve.key", str(workdir / "key.pem"))
    (workdir / "upserve.conf").write_text(site)
    main = workdir / "nginx.conf"
    temps = "".join(
        f"    {kind}_temp_path {workdir / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main.write_text(
        f"worker_processes 1;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'};\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log off;\n{temps}    include {workdir / 'upserve.conf'};\n}}\n"
    )
    return main


@pytest.fixture(scope="module")
def behind_nginx():
    workdir = Path(tempfile.mkdtemp(prefix="upserve-nginx-"))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    tls_port, http_port = free_port(), free_port()
    with redis_server() as redis_url, postgres_server() as new_database:
        env = server_env(
            DATABASE_URL=new_database(),
            REDIS_URL=redis_url,
            UPSERVE_VAR_DIR=str(workdir / "var"),
            PUBLIC_URL=f"https://localhost:{tls_port}",
            ALLOWED_HOSTS="localhost,127.0.0.1",
            CODE_MISSES_PER_ADDRESS=str(MISSES),
        )
        FRONT["redis"] = redis_url
        manage(env, "migrate", "-v0")
        manage({**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}, "createsuperuser", "--noinput",
               "--username", "fiona", "--email", "fiona@example.org")  # fmt: skip
        servers = [Daphne(env, args=("--proxy-headers",)) for _ in range(2)]
        proxy = None
        try:
            start_all(*servers)
            config = nginx_config(workdir, tls_port, http_port, [s.port for s in servers])
            proxy = subprocess.Popen(
                [NGINX, "-p", str(workdir), "-c", str(config), "-g", "daemon off;"]
            )
            wait_for(lambda: port_open(tls_port) and port_open(http_port), "nginx")
            yield f"https://localhost:{tls_port}", f"http://localhost:{http_port}"
        finally:
            if proxy is not None:
                stop(proxy)
            for server in servers:
                server.close()
            shutil.rmtree(workdir, ignore_errors=True)


def test_plain_http_is_sent_to_https(behind_nginx):
    _, http = behind_nginx

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(f"{http}/console/", timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://localhost")


def test_pages_are_served_over_tls_with_secure_cookies(behind_nginx):
    https, _ = behind_nginx
    with urllib.request.urlopen(f"{https}/", timeout=10, context=trusting_tls()) as response:
        assert response.status == 200
        assert "Secure" in response.headers["Set-Cookie"]
        assert "max-age" in response.headers["Strict-Transport-Security"]


@pytest.mark.asyncio
async def test_a_round_through_the_proxy_on_both_processes(behind_nginx):
    https, _ = behind_nginx
    boss_browser = await asyncio.to_thread(log_in, https, "fiona", PASSWORD)
    code = await asyncio.to_thread(create_workshop, boss_browser, "Through nginx", 2)
    tokens = [
        await asyncio.to_thread(join, https, code, name) for name in ("Ann", "Ben", "Cy", "Di")
    ]
    boss = Client(code, "boss", "facilitator", cookie=boss_browser.cookie_header())
    phones = [Client(code, f"phone{i}", "participant", token=t) for i, t in enumerate(tokens)]
    for client in (boss, *phones):
        await client.connect(https)
    await boss.must("start_round", scenario=CARD)
    await boss.must("advance")
    await phones[0].must("submit_move", text="Right-size the seats", base_version=0)
    await phones[1].must("submit_move", text="Renew everything", base_version=0)
    await boss.must("advance")
    for i, phone in enumerate(phones):
        other = "t2" if i % 2 == 0 else "t1"
        q1 = "yes" if other == "t1" else "no"
        await phone.must("vote", team=other, q1=q1, q2="yes")
    await boss.must("advance")
    await asyncio.gather(*(c.wait_for_seq(boss.last_seq) for c in (boss, *phones)))
    results = phones[3].event_data("round_scored")[0]["results"]
    assert (results["t1"]["total"], results["t1"]["upserve"]) == (120, True)
    assert (results["t2"]["total"], results["t2"]["upsell"]) == (0, True)
    for client in (boss, *phones):
        await client.close()


def test_a_forged_x_forwarded_for_buys_no_extra_guesses(behind_nginx):
    """Every guess comes from this machine, each claiming another address in X-Forwarded-For.
    nginx overwrites the header with the address it saw, so they share one miss budget, on both
    Daphne processes (the counters live in Redis)."""
    https, _ = behind_nginx

    def guess(i: int) -> int:
        code = "ZZZZZ" + CODE_ALPHABET[i]
        forged = {"X-Forwarded-For": f"10.0.{i}.{i}, 192.0.2.{i}", "X-Real-IP": f"10.1.0.{i}"}
        request = urllib.request.Request(f"{https}/join/{code}/", headers=forged)
        try:
            with urllib.request.urlopen(request, timeout=10, context=trusting_tls()) as response:
                return response.status
        except urllib.error.HTTPError as refused:
            return refused.code

    try:
        assert [guess(i) for i in range(MISSES + 3)] == [404] * MISSES + [429] * 3
    finally:  # give this machine its misses back for any test after this one
        counters = redis.Redis.from_url(FRONT["redis"])
        for key in counters.scan_iter("*throttle:*"):
            counters.delete(key)


def test_the_recipe_never_passes_on_a_clients_own_x_forwarded_for():
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    forwarded = [
        line.split()
        for line in site.splitlines()
        if "X-Forwarded-For" in line and "proxy_set_header" in line
    ]
    assert forwarded and all(words[-1] == "$remote_addr;" for words in forwarded)
