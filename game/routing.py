from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from game.consumers import GameConsumer

websocket_urlpatterns = [
    path("ws/workshops/<str:code>/", GameConsumer.as_asgi()),
]


def websocket_application():
    """Sockets from pages of another origin are refused before they reach the consumer."""
    return AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
