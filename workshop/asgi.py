"""ASGI entry point: Django for HTTP, the game consumer for WebSockets, the deadline poller."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workshop.settings")

import django

django.setup(set_prefix=False)

from workshop.http import HttpHandler  # noqa: E402

django_asgi_app = HttpHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from game.routing import websocket_application  # noqa: E402
from game.timers import WithTimers  # noqa: E402
from workshop.preflight import check_services  # noqa: E402

check_services()

application = WithTimers(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": websocket_application(),
        }
    )
)
