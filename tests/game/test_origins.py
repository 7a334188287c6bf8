"""Only this site's own pages may open a socket: scheme, host and port, not the host alone."""

import pytest
from channels.testing import WebsocketCommunicator

from game.routing import websocket_application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def opens(workshop, origin: str, host: str = "127.0.0.1:8000", *extra) -> bool:
    headers = [(b"host", host.encode()), (b"origin", origin.encode()), *extra]
    path = f"/ws/workshops/{workshop.code}/"
    communicator = WebsocketCommunicator(websocket_application(), path, headers=headers)
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


async def test_a_page_of_another_port_of_the_same_host_cannot_open_a_socket(workshop):
    assert not await opens(workshop, "http://127.0.0.1:9999")


async def test_a_page_of_the_other_scheme_of_the_same_host_cannot_open_a_socket(workshop):
    assert not await opens(workshop, "https://127.0.0.1:8000")


async def test_a_page_of_another_site_cannot_open_a_socket(workshop):
    assert not await opens(workshop, "http://evil.example.org")
    assert not await opens(workshop, "null")


async def test_the_servers_own_page_opens_a_socket(workshop):
    assert await opens(workshop, "http://127.0.0.1:8000")
    assert await opens(workshop, "http://localhost:80", "localhost")  # the default port, spelt


async def test_a_host_the_server_does_not_serve_is_refused_even_from_its_own_page(workshop):
    # A rebound DNS name pointing at the server: its page and its socket agree, the host does not.
    assert not await opens(workshop, "http://evil.example.org:8000", "evil.example.org:8000")


async def test_behind_the_tls_proxy_only_the_https_page_opens_a_socket(workshop, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["upserve.example.org"]
    tls = (b"x-forwarded-proto", b"https")
    host = "upserve.example.org"
    assert await opens(workshop, "https://upserve.example.org", host, tls)
    assert not await opens(workshop, "http://upserve.example.org", host, tls)
    assert not await opens(workshop, "https://upserve.example.org:8443", host, tls)


async def test_a_trusted_origin_opens_a_socket_whatever_the_proxy_calls_the_host(
    workshop, settings
):
    settings.CSRF_TRUSTED_ORIGINS = ["https://upserve.example.org"]
    assert await opens(workshop, "https://upserve.example.org", "127.0.0.1:8001")
    assert not await opens(workshop, "http://upserve.example.org", "127.0.0.1:8001")
