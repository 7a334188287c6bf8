"""ASGI entry point: Django for HTTP, the game consumer for WebSockets, the deadline poller."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workshop.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

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
