from urllib.parse import urlsplit

from channels.routing import URLRouter
from channels.security.websocket import OriginValidator, WebsocketDenier
from channels.sessions import SessionMiddlewareStack
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import path

from game.consumers import GameConsumer

websocket_urlpatterns = [
    path("ws/workshops/<str:code>/", GameConsumer.as_asgi()),
]


class SameOrigin(OriginValidator):
    """Only pages of this very site may open sockets: the ``Origin`` must have the scheme, host
    and port the handshake itself came to (as the browser sees them: behind a proxy that ends
    TLS, ``X-Forwarded-Proto`` says the scheme, as ``SECURE_PROXY_SSL_HEADER`` lets Django's
    own pages know it), or be one of ``CSRF_TRUSTED_ORIGINS``; and the ``Host`` must be one of
    ``ALLOWED_HOSTS``. The same origins Django's CSRF check accepts for a form on these pages.
    A host alone is not enough: another port or scheme of the same host is another site."""

    def __init__(self, application) -> None:
        super().__init__(application, [])

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers", ()))
        origin = headers.get(b"origin", b"").decode("latin1")
        own = _own_origin(scope, headers)
        trusted = [_channels_pattern(o) for o in settings.CSRF_TRUSTED_ORIGINS]
        patterns = ([own] if own else []) + trusted
        try:
            parsed = urlsplit(origin) if origin else None
            allowed = parsed is not None and any(
                self.match_allowed_origin(parsed, p) for p in patterns
            )
        except ValueError:  # a port out of range, an unclosed bracket…
            allowed = False
        if not allowed:
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


def _own_origin(scope, headers: dict) -> str | None:
    host = headers.get(b"host", b"").decode("latin1")
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    return f"{'https' if _secure(scope, headers) else 'http'}://{host.lower()}"


def _secure(scope, headers: dict) -> bool:
    if scope.get("scheme") == "wss":
        return True
    proxied = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxied:
        return False
    name, value = proxied
    header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
    return headers.get(header, b"").decode("latin1").split(",")[0].strip() == value


def _channels_pattern(origin: str) -> str:
    """``https://*.example.org`` (Django's wildcard) as Channels writes it."""
    return origin.replace("://*.", "://.", 1)


def websocket_application():
    """Sockets from pages of another origin are refused before they reach the consumer. The
    session cookie is read for a facilitator's hello (the consumer reads the user from it then,
    and again whenever the right may have changed: see game.rights)."""
    return SameOrigin(SessionMiddlewareStack(URLRouter(websocket_urlpatterns)))
