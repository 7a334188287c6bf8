"""ASGI entry point: Django for HTTP, the game consumer for WebSockets, the deadline poller."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workshop.settings")

import django

django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter  # noqa: E402

from game.routing import websocket_application  # noqa: E402
from game.timers import WithTimers  # noqa: E402
from workshop import daphne_bodies, tuning  # noqa: E402
from workshop.http import HttpHandler  # noqa: E402
from workshop.preflight import check_services  # noqa: E402

daphne_bodies.install()  # Twisted would parse every upload in memory first (issue 12, A2)
check_services()

application = WithTimers(
    ProtocolTypeRouter(
        {
            "http": HttpHandler(),
            "websocket": websocket_application(),
        }
    )
)

tuning.apply()  # last: it freezes what start-up loaded
