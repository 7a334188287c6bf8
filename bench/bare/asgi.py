"""ASGI entry point of the bare app: Django for /healthz, the room consumer for WebSockets."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from bench.bare.consumers import RoomConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter([path("ws/rooms/<str:room>/", RoomConsumer.as_asgi())]),
    }
)
